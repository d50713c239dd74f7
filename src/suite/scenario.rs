//! Example scenarios as data: one TOML file under `suites/scenarios/` is one trial, named by its
//! file, so adding a scenario never touches Rust. Each states its request and the outcome the
//! catalog promises; its normalized response is an insta snapshot.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

use super::context::Context;
use super::outcome::TrialResult;
use super::pipeline::{cleanup, ended_info, follow_task};
use super::trial::Trial;
use crate::checks::{self, Judgement};
use crate::model::Auth;
use crate::model::ErrorType;
use crate::runner::RequestSpec;
use crate::runner::runtime::runtime;

pub fn dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/suites/scenarios"))
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    pub clauses: Vec<String>,
    pub description: String,
    /// The principal whose session the request carries (with `auth = "session"`, the default),
    /// or whose session is logged out first (`auth = "logged-out"`).
    #[serde(default)]
    pub principal: Option<String>,
    /// `session` (default), `none`, `garbage`, `logged-out`.
    #[serde(default = "default_auth")]
    pub auth: String,
    pub cluster: String,
    pub vm: String,
    #[serde(default = "default_query")]
    pub query: String,
    /// The raw request body, sent as it is.
    pub body: String,
    pub expect: Expect,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    pub status: u16,
    #[serde(default)]
    pub error_type: Option<ErrorType>,
}

fn default_auth() -> String {
    "session".into()
}
fn default_query() -> String {
    "action=restore&vmw-task=true".into()
}

#[derive(Debug, Clone)]
pub struct Scenario {
    pub path: PathBuf,
    pub stem: String,
    pub clauses: Vec<String>,
    pub file: ScenarioFile,
}

impl Scenario {
    pub fn trial_name(&self) -> String {
        format!(
            "{}::scenario::{}",
            self.clauses.first().map(String::as_str).unwrap_or("?"),
            self.stem
        )
    }
}

/// Loads one scenario strictly: unknown fields and unknown clause ids are errors naming the file
/// and line.
pub fn load(path: &Path) -> Result<Scenario, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let file: ScenarioFile = toml::from_str(&text).map_err(|e| {
        let line = e
            .span()
            .map(|s| text[..s.start].matches('\n').count() + 1)
            .unwrap_or(0);
        format!("{}:{line}: {}", path.display(), e.message().trim())
    })?;
    if file.clauses.is_empty() {
        return Err(format!(
            "{}: `clauses` must name at least one clause",
            path.display()
        ));
    }
    for c in &file.clauses {
        crate::clause::require(c, &path.display().to_string()).map_err(|e| e.to_string())?;
    }
    if !["session", "none", "garbage", "logged-out"].contains(&file.auth.as_str()) {
        return Err(format!(
            "{}: auth: `{}` is not one of session, none, garbage, logged-out",
            path.display(),
            file.auth
        ));
    }
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("scenario")
        .to_owned();
    Ok(Scenario {
        path: path.to_owned(),
        stem,
        clauses: file.clauses.clone(),
        file,
    })
}

/// Every scenario file, sorted by name.
pub fn load_all() -> Result<Vec<Scenario>, String> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir())
        .map_err(|e| format!("{}: {e}", dir().display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    paths.iter().map(|p| load(p)).collect()
}

pub fn trials(ctx: &Context) -> Vec<Trial> {
    match load_all() {
        Ok(list) => list
            .into_iter()
            .map(|s| {
                let clauses: Vec<&'static str> = s
                    .clauses
                    .iter()
                    .filter_map(|c| crate::clause::get(c))
                    .map(|c| c.id.as_str())
                    .collect();
                let ignored = missing_objects(ctx, &s);
                let name = s.trial_name();
                let mut t = Trial::new(
                    clauses[0],
                    &format!("scenario::{}", s.stem),
                    "scenario",
                    move |c| run(c, &s),
                );
                t.clauses = clauses;
                t.name = name;
                t.ignore_if(ignored)
            })
            .collect(),
        // A broken scenario file is a failing trial, not a silently smaller suite.
        Err(e) => vec![Trial::new(
            "FMT-1",
            "scenario::load-error",
            "scenario",
            move |_| TrialResult::failed(e.clone(), 0),
        )],
    }
}

/// A scenario names fixture objects; against a lab fixture that lacks them it cannot run.
fn missing_objects(ctx: &Context, s: &Scenario) -> Option<String> {
    if let Some(p) = &s.file.principal
        && !ctx.world.principals.contains_key(p)
    {
        return Some(format!("the fixture has no principal `{p}`"));
    }
    None
}

fn run(ctx: &Context, s: &Scenario) -> TrialResult {
    let auth = match (s.file.auth.as_str(), &s.file.principal) {
        ("none", _) => Auth::NoHeader,
        ("garbage", _) => Auth::Garbage("not-a-session-0000".into()),
        ("logged-out", Some(p)) => Auth::LoggedOut(p.clone()),
        (_, Some(p)) => Auth::Principal(p.clone()),
        (_, None) => Auth::Principal(ctx.admin()),
    };
    let path = format!(
        "/api/snapservice/clusters/{}/virtual-machines/{}?{}",
        s.file.cluster, s.file.vm, s.file.query
    );
    let req = RequestSpec::post_json(path, auth, s.file.body.clone());
    let admin = Auth::Principal(ctx.admin());
    let (ex, task_status) = runtime().block_on(async {
        let ex = ctx.client.send(&req).await;
        let mut task_status = None;
        if let (Some(202), Some(Value::String(task))) =
            (ex.observation.status(), ex.observation.json())
        {
            let (polls, _) = follow_task(ctx, &task, &admin).await;
            let last = ended_info(&polls);
            task_status = last
                .as_ref()
                .and_then(|v| v.get("status"))
                .and_then(Value::as_str)
                .map(str::to_owned);
            if let Some(vm) = last
                .as_ref()
                .and_then(|v| v.get("result"))
                .and_then(Value::as_str)
            {
                cleanup(ctx, &admin, vm).await;
            }
        }
        (ex, task_status)
    });
    let mut j = Judgement::default();
    let observed_type = ex.observation.json().and_then(|v| {
        v.get("error_type")
            .and_then(Value::as_str)
            .map(str::to_owned)
    });
    let want_type = s.file.expect.error_type.map(|t| t.as_str().to_owned());
    // The scenario's clauses were checked against the catalog when it was loaded.
    for c in s
        .clauses
        .iter()
        .filter_map(|c| crate::clause::ClauseId::parse(c))
    {
        let ok = ex.observation.status() == Some(s.file.expect.status)
            && (want_type.is_none() || want_type == observed_type);
        let expected = format!(
            "{} {}",
            s.file.expect.status,
            want_type.clone().unwrap_or_default()
        );
        j.check(
            c,
            (!ok).then(|| (expected.trim().to_owned(), ex.observation.summary())),
        );
    }
    j.merge(checks::format::check_format(&ex, None));
    ctx.results.exercised(j.exercised.iter());
    if ctx.config.snapshots {
        let mut snap = super::normalize::normalized(&ex.observation);
        snap["task_status"] = task_status.map(Value::String).unwrap_or(Value::Null);
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path(concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots"));
        settings.set_prepend_module_to_snapshot(false);
        settings.set_omit_expression(true);
        settings.set_description(format!("{} ({})", s.file.description, s.clauses.join(", ")));
        let name = format!("scenario__{}", s.stem);
        settings.bind(|| insta::assert_json_snapshot!(name, snap));
    }
    if j.findings.is_empty() {
        return TrialResult::passed(1);
    }
    let mut msg = format!(
        "scenario {} ({}): {}\n",
        s.stem,
        s.path.display(),
        s.file.description
    );
    for f in &j.findings {
        msg.push_str(&format!(
            "  {} failed\n    expected: {}\n    observed: {}\n",
            f.clause, f.expected, f.observed
        ));
        ctx.results.failure(
            f.clause.as_str(),
            crate::report::FailureReport {
                trial: s.trial_name(),
                expected: f.expected.clone(),
                observed: f.observed.clone(),
                minimal_case: format!("scenario file {}", s.path.display()),
                curl: ex.request.curl(ctx.config.insecure || ctx.mock.is_some()),
                seed: None,
            },
        );
    }
    msg.push_str(&format!(
        "  reproduce: {}\n",
        ex.request.curl(ctx.config.insecure || ctx.mock.is_some())
    ));
    TrialResult::failed(msg, 1)
}
