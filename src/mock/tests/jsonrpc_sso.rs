//! The JSON-RPC face with single sign-on: the official bindings' `saml_bearer_token` security
//! context carries the STS's assertion XML, on the snapservice listener of a split mock; an
//! altered or foreign assertion is Unauthenticated; vCenter's session ids do not count there.

use std::time::Duration;

use crate::mock::testutil::*;
use crate::model::ErrorType;
use crate::vapi::value::{Secret, Value};
use crate::vapi::{SecurityContext, empty_input, ids};

use super::jsonrpc::{invoke, restore_input};
use super::sso::{split, token};

const SPEC: &str = r#"{"snapshot":"snap-42-b","name":"restored-over-json-rpc"}"#;

fn bearer(xml: &str) -> Option<SecurityContext> {
    Some(SecurityContext::SamlBearerToken(Secret::new(xml)))
}

#[tokio::test]
async fn acc_1_a_bearer_token_restores_over_json_rpc() {
    let s = split();
    let xml = token(&s.vc, ADMIN, Duration::from_secs(600)).await;
    let input = restore_input("domain-c8", "vm-42", SPEC);
    let out = invoke(
        &s.snap,
        ids::VIRTUAL_MACHINES,
        ids::RESTORE_TASK,
        input,
        bearer(&xml),
    )
    .await;
    assert!(matches!(out, Ok(Value::String(_))), "{out:?}");
    // Session create takes the token too (the appliance's session service from 9.0).
    let session = invoke(
        &s.snap,
        ids::SNAPSERVICE_SESSIONS,
        ids::CREATE,
        empty_input(),
        bearer(&xml),
    )
    .await;
    assert!(matches!(session, Ok(Value::Secret(_))), "{session:?}");
}

#[tokio::test]
async fn authn_2_altered_foreign_and_vcenter_credentials_are_refused() {
    let s = split();
    let xml = token(&s.vc, ADMIN, Duration::from_secs(600)).await;
    let altered = xml.replacen(ADMIN.0, OPERATOR.0, 1);
    assert_ne!(altered, xml, "the assertion names its subject");
    let foreign = token(&split().vc, ADMIN, Duration::from_secs(600)).await;
    let vc_session = s.vc.login(ADMIN).await;
    let contexts = [
        bearer(&altered),
        bearer(&foreign),
        bearer("<not-an-assertion/>"),
        Some(SecurityContext::SessionId(Secret::new(vc_session))),
    ];
    for ctx in contexts {
        let input = restore_input("domain-c8", "vm-42", SPEC);
        let out = invoke(
            &s.snap,
            ids::VIRTUAL_MACHINES,
            ids::RESTORE_TASK,
            input,
            ctx,
        )
        .await;
        let err = out.expect_err("refused");
        assert_eq!(err.name_type, Some(ErrorType::Unauthenticated), "{err:?}");
    }
}
