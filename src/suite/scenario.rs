//! Example scenarios as data: one TOML file under the suite directory's `scenarios/` is one
//! trial, named by its file, so adding a scenario never touches Rust. Each states its request
//! and the outcome the catalog promises; its normalized response is an insta snapshot.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

use super::conclude::{Repro, conclude};
use super::context::Context;
use super::normalize::{assert_snapshot, normalized};
use super::outcome::TrialResult;
use super::restore_send::{Restore, harness_timeout, note_timeout, send_restore};
use super::settle::settle_answer;
use super::sources::SuiteDir;
use super::trial::{PlannedTrial, RestoreNeed};
use crate::checks::{self, Judgement};
use crate::clause::ClauseId;
use crate::model::Auth;
use crate::model::ErrorType;
use crate::model::World;
use crate::runner::RequestSpec;
use crate::runner::runtime::runtime;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    pub clauses: Vec<ClauseId>,
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
    /// Names of live VMs the scenario relies on (a name it expects to be taken, say): the
    /// scenario runs only where the fixture holds them.
    #[serde(default)]
    pub relies_on: Vec<String>,
    pub expect: Expect,
}

/// The answer the catalog promises, or (with `or`) the set the documents allow.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    pub status: u16,
    #[serde(default)]
    pub error_type: Option<ErrorType>,
    /// Further answers the documents allow (`[[expect.or]]`).
    #[serde(default)]
    pub or: Vec<Answer>,
}

/// One allowed answer.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Answer {
    pub status: u16,
    #[serde(default)]
    pub error_type: Option<ErrorType>,
}

impl Expect {
    /// Every allowed answer, the first one first.
    fn answers(&self) -> Vec<Answer> {
        let mut v = vec![Answer {
            status: self.status,
            error_type: self.error_type,
        }];
        v.extend(self.or.iter().cloned());
        v
    }
}

impl Answer {
    fn describe(&self) -> String {
        format!(
            "{} {}",
            self.status,
            self.error_type.map(ErrorType::as_str).unwrap_or_default()
        )
        .trim()
        .to_owned()
    }
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
    pub clauses: Vec<ClauseId>,
    pub file: ScenarioFile,
}

impl Scenario {
    pub fn trial_name(&self) -> String {
        format!("{}::scenario::{}", self.clauses[0], self.stem)
    }
}

/// A scenario directory the suite cannot use.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    #[error("{}: {source}", dir)]
    Read {
        dir: String,
        #[source]
        source: std::io::Error,
    },
    /// Finding nothing is a failure: an empty directory is a mistake, not a smaller suite.
    #[error("{0}: no scenario files (*.toml)")]
    Empty(String),
    #[error("{}:{line}: {message}", path.display())]
    Parse {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("{}: `clauses` must name at least one clause", .0.display())]
    NoClause(PathBuf),
    #[error("{}: auth: `{auth}` is not one of session, none, garbage, logged-out", path.display())]
    Auth { path: PathBuf, auth: String },
}

/// Parses one scenario strictly: unknown fields and unknown clause ids are errors naming the
/// file and line.
pub fn parse(path: &Path, text: &str) -> Result<Scenario, ScenarioError> {
    let file: ScenarioFile = toml::from_str(text).map_err(|e| ScenarioError::Parse {
        path: path.to_owned(),
        line: e
            .span()
            .map(|s| text[..s.start].matches('\n').count() + 1)
            .unwrap_or(0),
        message: e.message().trim().to_owned(),
    })?;
    if file.clauses.is_empty() {
        return Err(ScenarioError::NoClause(path.to_owned()));
    }
    if !["session", "none", "garbage", "logged-out"].contains(&file.auth.as_str()) {
        return Err(ScenarioError::Auth {
            path: path.to_owned(),
            auth: file.auth.clone(),
        });
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

/// Every scenario of the suite directory, sorted by file name; none at all is an error.
pub fn load_all(dir: &SuiteDir) -> Result<Vec<Scenario>, ScenarioError> {
    let files = dir.scenario_files().map_err(|source| ScenarioError::Read {
        dir: dir.scenarios_name(),
        source,
    })?;
    if files.is_empty() {
        return Err(ScenarioError::Empty(dir.scenarios_name()));
    }
    files.iter().map(|(p, t)| parse(p, t)).collect()
}

pub fn trials(ctx: &Context) -> Vec<PlannedTrial> {
    match load_all(&ctx.config.suite_dir) {
        Ok(list) => list
            .into_iter()
            .map(|s| PlannedTrial {
                name: s.trial_name(),
                clauses: s.clauses.clone(),
                ignored: missing_objects(&ctx.world, &s)
                    .map(|m| format!("not run: the fixture has no {m}")),
                kind: "scenario",
                // A scenario that expects 202 creates a VM: one restore of the budget.
                restores: if s.file.expect.status == 202 {
                    RestoreNeed::Fixed(1)
                } else {
                    RestoreNeed::Refusals
                },
                run: std::sync::Arc::new(move |c| run(c, &s)),
            })
            .collect(),
        // A broken or empty scenario directory is a failing trial, not a silently smaller suite.
        Err(e) => {
            let message = e.to_string();
            vec![PlannedTrial {
                name: format!("{}::scenario::load-error", ClauseId::FMT_1),
                clauses: vec![ClauseId::FMT_1],
                ignored: None,
                kind: "scenario",
                restores: RestoreNeed::Refusals,
                run: std::sync::Arc::new(move |_| TrialResult::failed(message.clone(), 0)),
            }]
        }
    }
}

/// A scenario names fixture objects (principal, cluster, VM, snapshot, placement folder, pool
/// and host, the live VMs whose names it relies on); against a fixture that lacks one (a lab)
/// it cannot run: the first missing object, in words.
pub fn missing_objects(world: &World, s: &Scenario) -> Option<String> {
    let f = &s.file;
    if let Some(p) = &f.principal
        && !world.principals.contains_key(p)
    {
        return Some(format!("principal `{p}`"));
    }
    if !world.clusters.contains_key(&f.cluster) {
        return Some(format!("cluster `{}`", f.cluster));
    }
    if !world.deleted_vms.contains_key(&f.vm) && !world.vms.contains_key(&f.vm) {
        return Some(format!("virtual machine `{}`", f.vm));
    }
    let body: Option<Value> = serde_json::from_str(&f.body).ok();
    let field = |path: &[&str]| -> Option<String> {
        let mut v = body.as_ref()?;
        for k in path {
            v = v.get(k)?;
        }
        v.as_str().map(str::to_owned)
    };
    if let Some(snap) = field(&["snapshot"])
        && !world.snapshots.contains_key(&snap)
    {
        return Some(format!("snapshot `{snap}`"));
    }
    for (key, what) in [
        ("folder", "folder"),
        ("resource_pool", "resource pool"),
        ("host", "host"),
    ] {
        if let Some(id) = field(&["placement", key]) {
            let known = match key {
                "folder" => world.folders.contains_key(&id),
                "resource_pool" => world.resource_pools.contains_key(&id),
                _ => world.hosts.contains_key(&id),
            };
            if !known {
                return Some(format!("{what} `{id}`"));
            }
        }
    }
    for name in &f.relies_on {
        if !world.vms.values().any(|v| &v.name == name) {
            return Some(format!("live virtual machine named `{name}`"));
        }
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
    let trial = s.trial_name();
    let restore = Restore {
        trial: &trial,
        spec: req,
        cluster: &s.file.cluster,
        name: scenario_name(&s.file.body),
        may_accept: s.file.expect.status == 202,
    };
    let sent = runtime().block_on(async {
        let ex = send_restore(ctx, restore).await?;
        let settled = settle_answer(ctx, &ex.observation, &admin).await;
        Some((ex, settled))
    });
    let Some((ex, settled)) = sent else {
        return super::property_runner::unrun(ctx, &trial);
    };
    if let Some(why) = harness_timeout(&ex.observation) {
        note_timeout(ctx, &trial, &ex);
        for c in &s.clauses {
            ctx.results.inconclusive(c, &why);
        }
        return TrialResult::passed(1);
    }
    let mut j = Judgement::default();
    let observed_type = ex.observation.json().and_then(|v| {
        v.get("error_type")
            .and_then(Value::as_str)
            .and_then(ErrorType::parse)
    });
    let answers = s.file.expect.answers();
    let ok = answers.iter().any(|a| {
        ex.observation.status() == Some(a.status)
            && (a.error_type.is_none() || a.error_type == observed_type)
    });
    let expected = answers
        .iter()
        .map(Answer::describe)
        .collect::<Vec<_>>()
        .join(" | ");
    for c in &s.clauses {
        j.check(
            *c,
            (!ok).then(|| (expected.clone(), ex.observation.summary())),
        );
    }
    j.merge(checks::format::check_format(&ex, None));
    if ctx.config.snapshots {
        let mut snap = normalized(&ex.observation);
        snap["task_status"] = settled
            .and_then(|t| t.status())
            .map(|t| Value::String(t.as_str().to_owned()))
            .unwrap_or(Value::Null);
        let clauses: Vec<&str> = s.clauses.iter().map(|c| c.as_str()).collect();
        assert_snapshot(
            &format!("scenario__{}", s.stem),
            &format!("{} ({})", s.file.description, clauses.join(", ")),
            &snap,
        );
    }
    let repro = Repro::new(
        format!(
            "{} (scenario file {})",
            super::conclude::request_text(&ex.request),
            s.path.display()
        ),
        ex.request.curl(ctx.config.insecure || ctx.mock.is_some()),
        None,
    )
    .note(format!("scenario {}: {}", s.stem, s.file.description));
    conclude(ctx, &s.trial_name(), &j, &repro, 1)
}

/// The VM name a scenario's body asks for, when it is a JSON object with a `name`.
fn scenario_name(body: &str) -> Option<String> {
    serde_json::from_str::<Value>(body)
        .ok()?
        .get("name")?
        .as_str()
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn world(file: &str) -> World {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures")
            .join(file);
        World::load(&path).unwrap_or_else(|e| panic!("{e}"))
    }

    fn scenarios() -> Vec<Scenario> {
        load_all(&SuiteDir::Embedded).expect("the embedded scenarios")
    }

    #[test]
    fn scenarios_run_where_the_fixture_holds_their_objects() {
        let w = world("default.toml");
        for s in scenarios() {
            assert_eq!(missing_objects(&w, &s), None, "{}", s.stem);
        }
    }

    #[test]
    fn a_lab_fixture_without_their_objects_does_not_run_them() {
        let lab = world("lab-template.toml");
        for s in scenarios() {
            let missing = missing_objects(&lab, &s);
            assert!(missing.is_some(), "{} would run against the lab", s.stem);
        }
    }

    #[test]
    fn every_named_object_is_required() {
        let w = world("default.toml");
        let base = r#"
            clauses = ["ACC-1"]
            description = "d"
            principal = "administrator@vsphere.local"
            cluster = "domain-c8"
            vm = "vm-44"
            body = '{"snapshot":"snap-44-a","placement":{"folder":"group-v4","resource_pool":"resgroup-8","host":"host-12"}}'
            relies_on = ["db-01"]
            [expect]
            status = 202
        "#;
        let s = parse(Path::new("x.toml"), base).unwrap();
        assert_eq!(missing_objects(&w, &s), None);
        for (from, to, want) in [
            (
                "administrator@",
                "nobody@",
                "principal `nobody@vsphere.local`",
            ),
            ("domain-c8", "domain-c99", "cluster `domain-c99`"),
            ("vm-44\"", "vm-4444\"", "virtual machine `vm-4444`"),
            ("snap-44-a", "snap-nope", "snapshot `snap-nope`"),
            ("group-v4", "group-v404", "folder `group-v404`"),
            ("resgroup-8", "resgroup-808", "resource pool `resgroup-808`"),
            ("host-12", "host-1212", "host `host-1212`"),
            (
                "[\"db-01\"]",
                "[\"db-99\"]",
                "live virtual machine named `db-99`",
            ),
        ] {
            let s = parse(Path::new("x.toml"), &base.replacen(from, to, 1)).unwrap();
            assert_eq!(missing_objects(&w, &s).as_deref(), Some(want), "{from}");
        }
    }

    #[test]
    fn an_expectation_may_be_a_set() {
        let text = r#"
            clauses = ["ACC-1"]
            description = "d"
            cluster = "domain-c8"
            vm = "vm-44"
            body = '{}'
            [expect]
            status = 202
            [[expect.or]]
            status = 400
            error_type = "ALREADY_EXISTS"
        "#;
        let s = parse(Path::new("x.toml"), text).unwrap();
        let answers = s.file.expect.answers();
        let described: Vec<String> = answers.iter().map(Answer::describe).collect();
        assert_eq!(described, ["202", "400 ALREADY_EXISTS"]);
    }
}
