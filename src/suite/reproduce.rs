//! Shell lines that reproduce a case with curl. Secrets never appear: the password and session
//! id are shell variables the user sets.

use super::context::Context;
use crate::model::Auth;
use crate::model::Case;
use crate::runner::Exchange;

/// `BASE=...`, a login line when the case needs a session, and the request itself.
pub fn curl_lines(ctx: &Context, case: &Case, ex: &Exchange) -> String {
    let base = ctx.target_url();
    let k = if ctx.config.insecure || ctx.mock.is_some() {
        " -k"
    } else {
        ""
    };
    let mut out = Vec::new();
    if ctx.mock.is_some() {
        let defects: String = ctx
            .config
            .defects
            .iter()
            .map(|d| format!(" --defect {d}"))
            .collect();
        out.push(format!(
            "# against the embedded mock: snapservice-conformance mock --listen 127.0.0.1:8443{}{defects}",
            ctx.config.fixture.flag()
        ));
        out.push("BASE=https://127.0.0.1:8443".to_owned());
    } else {
        out.push(format!("BASE={base}"));
    }
    let session_path = ctx.client.config().session_path();
    let login = |user: &str| {
        format!(
            "SESSION=$(curl -sS{k} -X POST -u {}:\"$PASSWORD\" \"$BASE{session_path}\" | tr -d '\"')",
            sq(user)
        )
    };
    match &case.auth {
        Auth::Principal(p) => out.push(login(p)),
        Auth::LoggedOut(p) => {
            out.push(login(p));
            out.push(format!("curl -sS{k} -X DELETE -H \"vmware-api-session-id: $SESSION\" \"$BASE{session_path}\""));
        }
        Auth::NoHeader | Auth::Garbage(_) => {}
    }
    let r = &ex.request;
    let path = r.url.strip_prefix(&base).unwrap_or(&r.url);
    let mut line = format!("curl -sS{k} -i -X {}", r.method);
    for (name, value) in &r.headers {
        if value == crate::runner::wire::SESSION_PLACEHOLDER
            || value == crate::runner::wire::AUTHORIZATION_PLACEHOLDER
        {
            line.push_str(&format!(" -H \"{name}: {value}\""));
        } else {
            line.push_str(&format!(" -H {}", sq(&format!("{name}: {value}"))));
        }
    }
    if let Some(b) = &r.body {
        line.push_str(&format!(" --data-raw {}", sq(b)));
    }
    line.push_str(&format!(" \"$BASE\"{}", sq(path)));
    out.push(line);
    out.join("\n")
}

/// Single-quotes for a POSIX shell.
fn sq(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}
