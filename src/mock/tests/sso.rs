//! Single sign-on and the split deployment: the vCenter STS issues signed bearer assertions;
//! the snapservice role accepts them as `Authorization: SIGN token=...` and refuses Basic,
//! vCenter session ids and missing, altered, foreign or expired tokens; the two listeners
//! never serve each other's paths.

use std::time::{Duration, Instant, SystemTime};

use axum::body::Body;
use axum::http::{Request, header};
use base64::Engine;

use crate::mock::app::{app, state_with_sso};
use crate::mock::roles::{Role, role_app};
use crate::mock::state::{AppState, SsoSettings};
use crate::mock::sts::PATH as STS;
use crate::mock::testutil::*;
use crate::sso::{self, Assertion, IssueRequest, SoapFault, WsTrustError};

const RESTORE: &str =
    "/api/snapservice/clusters/domain-c8/virtual-machines/vm-42?action=restore&vmw-task=true";
const BODY: &str = r#"{"snapshot":"snap-42-b","name":"restored-with-a-token"}"#;

/// The two listeners of a split mock over one state.
pub(super) struct Split {
    pub(super) state: AppState,
    pub(super) snap: Mock,
    pub(super) vc: Mock,
}

fn settings(split: bool, lifetime: Duration) -> SsoSettings {
    SsoSettings {
        token_lifetime: lifetime,
        split,
    }
}

fn split_with(lifetime: Duration) -> Split {
    let state = state_with_sso(default_world(), &[], false, settings(true, lifetime));
    Split {
        snap: Mock {
            app: role_app(state.clone(), Role::Snapservice),
        },
        vc: Mock {
            app: role_app(state.clone(), Role::Vcenter),
        },
        state,
    }
}

pub(super) fn split() -> Split {
    split_with(Duration::from_secs(1800))
}

fn issue_request(user: &str, password: &str, lifetime: Duration) -> String {
    IssueRequest::bearer(
        user,
        password,
        SystemTime::now(),
        lifetime,
        Duration::from_secs(60),
    )
    .to_xml()
}

async fn post_sts(m: &Mock, body: String) -> Reply {
    m.send(
        Request::post(STS)
            .header(header::CONTENT_TYPE, "text/xml; charset=utf-8")
            .header("SOAPAction", sso::ns::SOAP_ACTION_ISSUE)
            .body(Body::from(body))
            .unwrap(),
    )
    .await
}

/// An assertion from the STS of `m`, for `who`.
pub(super) async fn token(m: &Mock, who: (&str, &str), lifetime: Duration) -> String {
    let r = post_sts(m, issue_request(who.0, who.1, lifetime)).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.content_type.as_deref(), Some("text/xml; charset=utf-8"));
    sso::parse_issue_response(std::str::from_utf8(&r.body).unwrap())
        .unwrap()
        .assertion_xml
}

fn fault_of(r: &Reply) -> SoapFault {
    assert_eq!(r.status, 500);
    assert_eq!(r.content_type.as_deref(), Some("text/xml; charset=utf-8"));
    match sso::parse_issue_response(std::str::from_utf8(&r.body).unwrap()) {
        Err(WsTrustError::Fault(f)) => f,
        other => panic!("not a fault: {other:?}"),
    }
}

async fn send_with(
    m: &Mock,
    method: &str,
    uri: &str,
    auth: Option<&str>,
    session: Option<&str>,
) -> Reply {
    let mut b = Request::builder().method(method).uri(uri);
    if let Some(a) = auth {
        b = b.header(header::AUTHORIZATION, a);
    }
    if let Some(s) = session {
        b = b.header("vmware-api-session-id", s);
    }
    let body = if method == "POST" && uri.contains("action=restore") {
        b = b.header(header::CONTENT_TYPE, "application/json");
        Body::from(BODY)
    } else {
        Body::empty()
    };
    m.send(b.body(body).unwrap()).await
}

async fn restore_with(m: &Mock, auth: Option<&str>, session: Option<&str>) -> Reply {
    send_with(m, "POST", RESTORE, auth, session).await
}

async fn wait_snapservice_task(m: &Mock, auth: &str, task: &str) -> String {
    for _ in 0..400 {
        let r = send_with(
            m,
            "GET",
            &format!("/api/snapservice/tasks/{task}"),
            Some(auth),
            None,
        )
        .await;
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        let s = r.json()["status"].as_str().unwrap_or("").to_owned();
        if s == "SUCCEEDED" || s == "FAILED" {
            return s;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("task {task} did not finish");
}

fn basic(who: (&str, &str)) -> String {
    let b = base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", who.0, who.1));
    format!("Basic {b}")
}

#[tokio::test]
async fn the_sts_issues_a_signed_assertion_for_a_valid_user() {
    let s = split();
    let xml = token(&s.vc, ADMIN, Duration::from_secs(600)).await;
    let a = Assertion::parse(&xml).unwrap();
    assert_eq!(a.name_id, ADMIN.0);
    assert!(a.signature_value.is_some());
    assert!(a.valid_at(SystemTime::now()));
    // The combined listener serves the STS too.
    let one = Mock {
        app: app(state_with_sso(
            default_world(),
            &[],
            false,
            SsoSettings::default(),
        )),
    };
    token(&one, OPERATOR, Duration::from_secs(600)).await;
}

#[tokio::test]
async fn a_wrong_password_is_a_soap_fault_with_http_500() {
    let s = split();
    for who in [(ADMIN.0, "wrong"), ("nobody@vsphere.local", ADMIN.1)] {
        let f =
            fault_of(&post_sts(&s.vc, issue_request(who.0, who.1, Duration::from_secs(60))).await);
        assert!(f.is_failed_authentication(), "{f}");
    }
    // The body pyvmomi parses: two text nodes, the code first.
    let r = post_sts(
        &s.vc,
        issue_request(ADMIN.0, "wrong", Duration::from_secs(60)),
    )
    .await;
    let text = String::from_utf8(r.body).unwrap();
    assert!(
        text.contains("<faultcode") && !text.contains("wrong"),
        "{text}"
    );
}

#[tokio::test]
async fn a_malformed_or_unsupported_request_is_a_soap_fault() {
    let s = split();
    let good = issue_request(ADMIN.0, ADMIN.1, Duration::from_secs(60));
    let hok = good.replace(
        sso::ns::KEY_TYPE_BEARER,
        "http://docs.oasis-open.org/ws-sx/ws-trust/200512/PublicKey",
    );
    let renew = good.replace(
        sso::ns::REQUEST_TYPE_ISSUE,
        "http://docs.oasis-open.org/ws-sx/ws-trust/200512/Renew",
    );
    for body in [
        "".to_owned(),
        "not xml".to_owned(),
        "<a/>".to_owned(),
        hok,
        renew,
    ] {
        let f = fault_of(&post_sts(&s.vc, body.clone()).await);
        assert_eq!(
            f,
            SoapFault {
                code: "InvalidRequest".into(),
                ..f.clone()
            },
            "{body}"
        );
        assert!(!f.is_failed_authentication());
    }
    let mut no_user = IssueRequest::bearer(
        ADMIN.0,
        ADMIN.1,
        SystemTime::now(),
        Duration::from_secs(60),
        Duration::from_secs(60),
    );
    no_user.credentials = None;
    assert!(fault_of(&post_sts(&s.vc, no_user.to_xml()).await).is_failed_authentication());
    let stale = IssueRequest::bearer(
        ADMIN.0,
        ADMIN.1,
        SystemTime::now() - Duration::from_secs(120),
        Duration::from_secs(600),
        Duration::from_secs(60),
    );
    assert_eq!(
        fault_of(&post_sts(&s.vc, stale.to_xml()).await).code,
        "MessageExpired"
    );
    let reversed = IssueRequest::bearer(
        ADMIN.0,
        ADMIN.1,
        SystemTime::now(),
        Duration::ZERO,
        Duration::from_secs(60),
    );
    assert_eq!(
        fault_of(&post_sts(&s.vc, reversed.to_xml()).await).code,
        "InvalidTimeRange"
    );
}

#[tokio::test]
async fn the_lifetime_is_the_shorter_of_asked_and_allowed() {
    let s = split_with(Duration::from_secs(60));
    for (asked, granted) in [(600, 60), (10, 10), (60, 60)] {
        let a = Assertion::parse(&token(&s.vc, ADMIN, Duration::from_secs(asked)).await).unwrap();
        let got = a.not_on_or_after.duration_since(a.not_before).unwrap();
        assert_eq!(got, Duration::from_secs(granted), "asked {asked}");
    }
}

#[tokio::test]
async fn a_valid_token_restores_quoted_or_not() {
    let s = split();
    let xml = token(&s.vc, ADMIN, Duration::from_secs(600)).await;
    let quoted = sso::sign_header(&xml);
    let bare = format!("SIGN token={}", sso::encode_token(&xml));
    let r = restore_with(&s.snap, Some(&quoted), None).await;
    assert_eq!(r.status, 202, "{}", String::from_utf8_lossy(&r.body));
    let task = r.json().as_str().unwrap().to_owned();
    assert_eq!(
        wait_snapservice_task(&s.snap, &bare, &task).await,
        "SUCCEEDED"
    );
    // Discovery on the snapservice listener takes the token as well.
    let r = send_with(
        &s.snap,
        "GET",
        "/api/snapservice/clusters/domain-c8/virtual-machines",
        Some(&bare),
        None,
    )
    .await;
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn the_snapservice_listener_refuses_every_other_credential() {
    let s = split();
    let vc_session = s.vc.login(ADMIN).await;
    let xml = token(&s.vc, ADMIN, Duration::from_secs(600)).await;
    // Altered: another principal's name under the same signature.
    let altered = xml.replace(ADMIN.0, OPERATOR.0);
    assert_ne!(altered, xml);
    // Foreign: signed by another mock instance.
    let other = split();
    let foreign = token(&other.vc, ADMIN, Duration::from_secs(600)).await;
    // Expired: signed by this mock, two hours ago, for thirty minutes.
    let expired = s
        .state
        .lock(Instant::now())
        .tokens
        .issue(ADMIN.0, SystemTime::now() - Duration::from_secs(7200), None)
        .to_xml();
    let basic = basic(ADMIN);
    let refused: [(&str, Option<String>, Option<&str>); 7] = [
        ("missing", None, None),
        ("Basic", Some(basic.clone()), None),
        ("vCenter session", None, Some(&vc_session)),
        ("altered", Some(sso::sign_header(&altered)), None),
        ("foreign", Some(sso::sign_header(&foreign)), None),
        ("expired", Some(sso::sign_header(&expired)), None),
        ("garbage", Some("SIGN token=\"not-base64!\"".into()), None),
    ];
    for (what, auth, session) in refused {
        let r = restore_with(&s.snap, auth.as_deref(), session).await;
        assert_eq!(r.status, 401, "{what}");
        r.assert_error(401, "UNAUTHENTICATED");
    }
    // No snapservice session from Basic either.
    let r = send_with(
        &s.snap,
        "POST",
        "/api/snapservice/sessions",
        Some(&basic),
        None,
    )
    .await;
    r.assert_error(401, "UNAUTHENTICATED");
    // The same requests with a valid token pass, so the refusals are the credentials'.
    let r = restore_with(&s.snap, Some(&sso::sign_header(&xml)), None).await;
    assert_eq!(r.status, 202);
}

#[tokio::test]
async fn a_snapservice_session_comes_from_a_token_and_stays_on_its_listener() {
    let s = split();
    let xml = token(&s.vc, ADMIN, Duration::from_secs(600)).await;
    let r = send_with(
        &s.snap,
        "POST",
        "/api/snapservice/sessions",
        Some(&sso::sign_header(&xml)),
        None,
    )
    .await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let session = r.json().as_str().unwrap().to_owned();
    let r = send_with(
        &s.snap,
        "GET",
        "/api/snapservice/sessions",
        None,
        Some(&session),
    )
    .await;
    assert_eq!(r.json()["user"], ADMIN.0);
    assert_eq!(
        restore_with(&s.snap, None, Some(&session)).await.status,
        202
    );
    // vCenter does not know the appliance's session, nor take SIGN tokens.
    s.vc.call("GET", "/api/vcenter/vm", Some(&session), None)
        .await
        .assert_error(401, "UNAUTHENTICATED");
    send_with(
        &s.vc,
        "GET",
        "/api/vcenter/vm",
        Some(&sso::sign_header(&xml)),
        None,
    )
    .await
    .assert_error(401, "UNAUTHENTICATED");
    // Its own sessions work there.
    let vc_session = s.vc.login(ADMIN).await;
    assert_eq!(
        s.vc.call("GET", "/api/vcenter/vm", Some(&vc_session), None)
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn requests_never_cross_roles() {
    let s = split();
    let vc_session = s.vc.login(ADMIN).await;
    let snap_paths = [
        ("POST", RESTORE),
        (
            "GET",
            "/api/snapservice/clusters/domain-c8/virtual-machines",
        ),
        ("GET", "/api/snapservice/tasks/t-1"),
        ("POST", "/api/snapservice/sessions"),
        ("GET", "/__mock/state"),
        ("POST", "/__mock/reset"),
        ("POST", "/api"),
        ("POST", "/snapservice"),
    ];
    for (method, path) in snap_paths {
        let r = s.vc.call(method, path, Some(&vc_session), None).await;
        r.assert_error(404, "NOT_FOUND");
    }
    let vc_paths = [
        ("POST", "/api/session"),
        ("GET", "/api/session"),
        ("GET", "/api/vcenter/vm"),
        ("GET", "/api/vcenter/vm/vm-101"),
        ("GET", "/api/cis/tasks/t-1"),
        ("POST", STS),
    ];
    for (method, path) in vc_paths {
        let r = s.snap.call(method, path, None, None).await;
        r.assert_error(404, "NOT_FOUND");
    }
    // The control plane lives on the snapservice listener.
    assert_eq!(
        s.snap.control("GET", "/__mock/state", None).await.status,
        200
    );
}

#[tokio::test]
async fn one_listener_serves_both_roles_and_also_accepts_tokens() {
    let state = state_with_sso(default_world(), &[], false, SsoSettings::default());
    let one = Mock { app: app(state) };
    let session = one.login(ADMIN).await;
    assert_eq!(
        one.restore(&session, "domain-c8", "vm-42", BODY)
            .await
            .status,
        202
    );
    let xml = token(&one, ADMIN, Duration::from_secs(600)).await;
    let auth = sso::sign_header(&xml);
    let body = r#"{"snapshot":"snap-42-b","name":"second-one"}"#;
    let r = one
        .send(
            Request::post(RESTORE)
                .header(header::AUTHORIZATION, &auth)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, 202, "{}", String::from_utf8_lossy(&r.body));
    // Basic still opens a snapservice session on one listener.
    let r = send_with(
        &one,
        "POST",
        "/api/snapservice/sessions",
        Some(&basic(ADMIN)),
        None,
    )
    .await;
    assert_eq!(r.status, 201);
    let r = send_with(&one, "GET", "/api/vcenter/vm", Some(&auth), None).await;
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn tokens_survive_a_reset() {
    let s = split();
    let xml = token(&s.vc, ADMIN, Duration::from_secs(600)).await;
    assert_eq!(
        s.snap.control("POST", "/__mock/reset", None).await.status,
        204
    );
    let r = restore_with(&s.snap, Some(&sso::sign_header(&xml)), None).await;
    assert_eq!(r.status, 202);
}
