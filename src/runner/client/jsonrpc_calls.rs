//! The client's JSON-RPC side (`Wire::JsonRpc`): requests the JSON-RPC API has an operation for
//! go to the Snapservice endpoint's JSON-RPC path as `invoke` calls, and that endpoint's
//! password logins and logouts are the session service's `create` and `delete` there. Requests
//! without an operation (vCenter's VM API) keep the REST path of `Client::send`.

use serde_json::Value;

use super::{Client, lock};
use crate::model::Auth;
use crate::runner::exchange::{Exchange, Observation, RequestSpec, TransportKind};
use crate::runner::jsonrpc::{self, Call, RpcRecord};
use crate::runner::target::{AuthFlow, Role, Wire};
use crate::runner::wire::Token;
use crate::vapi::{Secret, SecurityContext, ids};

impl Client {
    /// The `invoke` a request becomes on this client's wire; `None`: it is sent as REST.
    pub(super) fn jsonrpc_call(&self, spec: &RequestSpec) -> Option<Call> {
        if self.cfg.wire != Wire::JsonRpc {
            return None;
        }
        jsonrpc::route(spec)
    }

    /// The endpoint slot a request goes to: a JSON-RPC call to the Snapservice endpoint (the
    /// bindings talk to one endpoint, tasks included), a REST request to its path's owner.
    pub(super) fn slot_for(&self, spec: &RequestSpec) -> usize {
        match self.jsonrpc_call(spec) {
            Some(_) => self.slots.snapservice,
            None => self.slots.of(Role::owning(&spec.path)),
        }
    }

    /// Whether the endpoint in `slot` logs in through the JSON-RPC session service: the
    /// Snapservice endpoint on the JSON-RPC wire, when it logs in with a password. An
    /// endpoint whose flow yields a token (SSO) keeps its flow: the token travels as the
    /// `saml_bearer_token` context (`jsonrpc::security_context`).
    pub(in crate::runner) fn jsonrpc_logs_in(&self, slot: usize) -> bool {
        self.cfg.wire == Wire::JsonRpc
            && slot == self.slots.snapservice
            && matches!(
                self.slots.endpoints[slot].auth,
                AuthFlow::BasicSession { .. }
            )
    }

    fn jsonrpc_url(&self, slot: usize) -> String {
        format!(
            "{}{}",
            self.slots.endpoints[slot].base_url, self.cfg.jsonrpc_path
        )
    }

    /// Sends `call` (the JSON-RPC form of `spec`) carrying `token`, and reads the answer back
    /// in REST form beside the record of what came.
    pub(super) async fn send_call(
        &self,
        slot: usize,
        spec: &RequestSpec,
        call: &Call,
        token: &Token,
    ) -> Exchange {
        let id = jsonrpc::next_id();
        let url = self.jsonrpc_url(slot);
        let ctx = match jsonrpc::security_context(token) {
            Ok(c) => c,
            Err(why) => {
                return Exchange {
                    request: jsonrpc::describe(&url, call, &id, None, &spec.auth),
                    observation: Observation::Transport {
                        transport: TransportKind::Other,
                        detail: why,
                    },
                    rpc: None,
                };
            }
        };
        let http = self
            .execute(jsonrpc::request(
                &self.http[slot],
                &url,
                call,
                &id,
                ctx.clone(),
            ))
            .await;
        Exchange {
            request: jsonrpc::describe(&url, call, &id, ctx.as_ref(), &spec.auth),
            observation: jsonrpc::decode(call.answer, &http),
            rpc: Some(RpcRecord {
                id,
                service: call.service.to_owned(),
                operation: call.operation.clone(),
                http,
            }),
        }
    }

    /// The session service's `operation` (`create`, `delete`) for the endpoint in `slot`: the
    /// one its session path names (`/api/session` is `com.vmware.cis.session`,
    /// `/api/snapservice/sessions` `com.vmware.snapservice.sessions`), else the CIS one.
    fn session_call(&self, slot: usize, method: &str) -> Option<Call> {
        let path = self.slots.endpoints[slot]
            .auth
            .session_path()
            .unwrap_or("/api/session");
        let mut spec = RequestSpec::get(path, Auth::NoHeader);
        spec.method = method.into();
        jsonrpc::route(&spec).or_else(|| {
            spec.path = "/api/session".into();
            jsonrpc::route(&spec)
        })
    }

    /// A password login through the session service: a session id, or the answer that
    /// explains why not.
    pub(in crate::runner) async fn jsonrpc_login(
        &self,
        slot: usize,
        principal: &str,
        password: &str,
    ) -> Result<Token, Observation> {
        let Some(call) = self.session_call(slot, "POST") else {
            return Err(Observation::Transport {
                transport: TransportKind::Other,
                detail: format!("no JSON-RPC session service for {}", ids::CIS_SESSION),
            });
        };
        let ctx = SecurityContext::UserPass {
            user: principal.to_owned(),
            password: Secret::new(password),
        };
        let id = jsonrpc::next_id();
        let req = jsonrpc::request(
            &self.http[slot],
            &self.jsonrpc_url(slot),
            &call,
            &id,
            Some(ctx),
        );
        let obs = jsonrpc::decode(call.answer, &self.execute(req).await);
        match (&obs, obs.json()) {
            (Observation::Response { status: 201, .. }, Some(Value::String(id))) => {
                lock(&self.issued).push(id.clone());
                Ok(Token::Session(id))
            }
            _ => Err(obs),
        }
    }

    /// Ends a session through the session service.
    pub(in crate::runner) async fn jsonrpc_logout(
        &self,
        slot: usize,
        session: &str,
    ) -> Observation {
        let Some(call) = self.session_call(slot, "DELETE") else {
            return Observation::Transport {
                transport: TransportKind::Other,
                detail: "no JSON-RPC session service".into(),
            };
        };
        let ctx = SecurityContext::SessionId(Secret::new(session));
        let id = jsonrpc::next_id();
        let req = jsonrpc::request(
            &self.http[slot],
            &self.jsonrpc_url(slot),
            &call,
            &id,
            Some(ctx),
        );
        jsonrpc::decode(call.answer, &self.execute(req).await)
    }
}
