//! Hand-built observations and exchanges for the checks' unit tests.

use std::time::Duration;

use crate::runner::{Exchange, Observation, SentRequest, TransportKind};

pub(super) fn response(status: u16, content_type: Option<&str>, body: &str) -> Observation {
    Observation::Response {
        status,
        content_type: content_type.map(str::to_owned),
        body: body.to_owned(),
        elapsed: Duration::from_millis(3),
    }
}

pub(super) fn json(status: u16, body: &str) -> Observation {
    response(status, Some("application/json"), body)
}

/// A well-formed vAPI error body of this type.
pub(super) fn error(status: u16, error_type: &str) -> Observation {
    json(
        status,
        &format!(
            r#"{{"error_type":"{error_type}","messages":[{{"id":"com.vmware.x","default_message":"x","args":["a"]}}],"data":null}}"#
        ),
    )
}

pub(super) fn timeout() -> Observation {
    Observation::Timeout {
        after: Duration::from_secs(30),
    }
}

pub(super) fn reset() -> Observation {
    Observation::Transport {
        transport: TransportKind::Reset,
        detail: "connection reset by peer".into(),
    }
}

pub(super) fn exchange(observation: Observation) -> Exchange {
    Exchange {
        request: SentRequest {
            method: "POST".into(),
            url: "http://127.0.0.1:1/api/snapservice/clusters/domain-c8/virtual-machines/vm-42?action=restore&vmw-task=true".into(),
            headers: vec![],
            body: Some(r#"{"snapshot":"snap-42-a"}"#.into()),
        },
        observation,
        rpc: None,
    }
}

/// The clauses a judgement failed, as a list sorted by id text.
pub(super) fn failed(j: &crate::checks::Judgement) -> Vec<crate::clause::ClauseId> {
    let mut ids: Vec<_> = j.failed_clauses().into_iter().collect();
    ids.sort_by_key(|c| c.as_str());
    ids
}
