//! Modes that speak valid HTTP but answer like a broken vCenter.

use super::support::*;
use crate::hostile::{HostileMode, HostileServer};
use crate::model::Auth;
use crate::runner::{Observation, RequestSpec};

#[tokio::test]
async fn unresolvable_task_accepts_the_restore_but_never_knows_the_task() {
    let server = HostileServer::start(HostileMode::UnresolvableTask).unwrap();
    let cfg = config(&server);
    let task_path = cfg.task_path.clone();
    let client = client(cfg);

    let (o, _) = observe(&client, &restore(Auth::Principal(ADMIN.into()))).await;
    assert_eq!(o.status(), Some(202), "{o:?}");
    let task = o.json().and_then(|v| v.as_str().map(str::to_owned));
    let task = task.unwrap_or_else(|| panic!("202 body is a JSON string: {o:?}"));
    assert!(
        task.ends_with(":com.vmware.snapservice.clusters.virtual_machines"),
        "{task}"
    );
    assert_eq!(
        client.issued_sessions(),
        vec!["hostile-session-0".to_owned()]
    );

    let get = RequestSpec::get(format!("{task_path}/{task}"), Auth::Principal(ADMIN.into()));
    let (o, _) = observe(&client, &get).await;
    assert_eq!(o.status(), Some(404), "{o:?}");
    let body = o.json().expect("a JSON error body");
    assert_eq!(body["error_type"], "NOT_FOUND", "{body}");
    assert_eq!(body["messages"][0]["args"][0], task.as_str(), "{body}");
    assert_eq!(server.requests(), 3, "one login, reused for both requests");

    let other = RequestSpec::get("/api/vcenter/vm/vm-42", Auth::Principal(ADMIN.into()));
    let (o, _) = observe(&client, &other).await;
    assert_eq!(o.status(), Some(404), "{o:?}");
    assert_eq!(
        o.json().expect("a JSON error body")["error_type"],
        "NOT_FOUND"
    );
}

#[tokio::test]
async fn html_errors_are_responses_with_an_html_body() {
    let server = HostileServer::start(HostileMode::HtmlErrors).unwrap();
    let client = client(config(&server));
    let (o, took) = observe(&client, &restore(Auth::NoHeader)).await;
    let Observation::Response {
        status,
        content_type,
        body,
        ..
    } = &o
    else {
        panic!("expected a response, observed {o:?}");
    };
    assert_eq!(*status, 500);
    assert!(
        content_type
            .as_deref()
            .is_some_and(|c| c.starts_with("text/html")),
        "{content_type:?}"
    );
    assert!(body.starts_with("<html>"), "{body}");
    assert_eq!(o.json(), None);
    assert!(
        o.summary().starts_with("500 (non-JSON body:"),
        "{}",
        o.summary()
    );
    assert!(took < BOUND, "{took:?}");
}
