//! Restore tasks (`restore-api.md` section 6) and `GET /api/cis/tasks/{task}`,
//! `GET /api/snapservice/tasks/{task}`.
//!
//! A task's status is a function of time: PENDING for the first quarter of its duration,
//! RUNNING until the duration has passed, then SUCCEEDED (or FAILED). Nothing ticks in the
//! background: every access to the state first settles the tasks that are due (`state.rs`,
//! `Inner::advance`), so a finished task frees its restore slot even if nobody polls it.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::model::{LocalizableMessage, TaskInfo, TaskProgress, TaskStatus, VapiError};

use super::clock::Clock;
use super::defect::{Defect, Defects};
use super::error::{ApiError, json_response};
use super::state::{AppState, Inner, Shared};

pub(super) const SERVICE: &str = "com.vmware.snapservice.clusters.virtual_machines";

/// Where and how an accepted restore will create its VM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub name: String,
    pub folder: String,
    pub resource_pool: String,
    pub host: String,
    pub powered_on: bool,
}

/// What the task does when its time is up.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Restore(Plan),
    Fail(VapiError),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Phase {
    Active,
    Succeeded { vm: String, ended: Instant },
    Failed { error: VapiError, ended: Instant },
}

#[derive(Debug, Clone)]
pub struct Task {
    pub id: String,
    pub cluster: String,
    /// The `vm` of the request path (the VM being restored).
    pub source_vm: String,
    pub user: String,
    pub created: Instant,
    pub running_at: Instant,
    pub done_at: Instant,
    pub outcome: Outcome,
    /// The (folder, name) this task holds until it ends.
    pub reservation: Option<(String, String)>,
    pub phase: Phase,
    /// Whether the task holds a restore slot of its cluster (a task started by a refused
    /// request, under the refusal-starts-task defect, holds none).
    pub counted: bool,
    /// Reads that saw SUCCEEDED (for the task-goes-back defect).
    succeeded_reads: u32,
}

impl Task {
    pub fn new(
        cluster: &str,
        source_vm: &str,
        user: &str,
        now: Instant,
        duration: Duration,
        outcome: Outcome,
        reservation: Option<(String, String)>,
    ) -> Task {
        Task {
            id: format!("{}:{SERVICE}", uuid::Uuid::new_v4()),
            cluster: cluster.to_owned(),
            source_vm: source_vm.to_owned(),
            user: user.to_owned(),
            created: now,
            running_at: now + duration / 4,
            done_at: now + duration,
            outcome,
            reservation,
            phase: Phase::Active,
            counted: true,
            succeeded_reads: 0,
        }
    }

    /// The true status at `now` (what `/__mock/state` shows).
    pub fn status(&self, now: Instant) -> TaskStatus {
        match self.phase {
            Phase::Active if now < self.running_at => TaskStatus::Pending,
            Phase::Active => TaskStatus::Running,
            Phase::Succeeded { .. } => TaskStatus::Succeeded,
            Phase::Failed { .. } => TaskStatus::Failed,
        }
    }

    /// The restored VM, once the task has succeeded.
    pub fn result_vm(&self) -> Option<&str> {
        match &self.phase {
            Phase::Succeeded { vm, .. } => Some(vm),
            _ => None,
        }
    }

    /// The `Info` a client reads at `now`, with exactly the fields its status allows.
    pub fn info(&mut self, now: Instant, clock: &Clock, defects: Defects) -> TaskInfo {
        let mut status = self.status(now);
        if status == TaskStatus::Succeeded && defects.has(Defect::TaskGoesBack) {
            self.succeeded_reads += 1;
            if self.succeeded_reads.is_multiple_of(2) {
                status = TaskStatus::Running;
            }
        }
        if status.is_terminal() && defects.has(Defect::TaskNeverFinishes) {
            status = TaskStatus::Running;
        }
        let progress_message = LocalizableMessage::new(
            "com.vmware.snapservice.restore.progress",
            format!("Restoring virtual machine {}", self.source_vm),
            &[&self.source_vm],
        );
        let completed = match status {
            TaskStatus::Pending => 0,
            TaskStatus::Running | TaskStatus::Blocked => {
                let span = self.done_at.saturating_duration_since(self.running_at);
                let done = now.saturating_duration_since(self.running_at);
                if span.is_zero() {
                    99
                } else {
                    // Nanoseconds: a span under a millisecond would divide by zero in millis.
                    ((done.as_nanos() * 100 / span.as_nanos()) as i64).min(99)
                }
            }
            TaskStatus::Succeeded | TaskStatus::Failed => 100,
        };
        let mut info = TaskInfo {
            description: LocalizableMessage::new(
                "com.vmware.snapservice.restore.task",
                format!("Restore virtual machine {}", self.source_vm),
                &[&self.source_vm],
            ),
            service: SERVICE.to_owned(),
            operation: "restore".to_owned(),
            status,
            cancelable: false,
            progress: None,
            result: None,
            error: None,
            start_time: None,
            end_time: None,
            user: Some(self.user.clone()),
            target: Some(json!({"type": "VirtualMachine", "id": self.source_vm})),
        };
        if status == TaskStatus::Pending {
            return info;
        }
        info.progress = Some(TaskProgress {
            total: 100,
            completed,
            message: progress_message,
        });
        let time = |t: Instant| {
            let s = clock.rfc3339(t);
            if defects.has(Defect::TaskTimeNotRfc3339) {
                // `2026-11-28T01:56:33.170Z` -> `2026-11-28 01:56:33`.
                s.replacen('T', " ", 1).chars().take(19).collect()
            } else {
                s
            }
        };
        if !defects.has(Defect::TaskMissingStartTime) {
            info.start_time = Some(time(self.running_at));
        }
        match (&self.phase, status) {
            (Phase::Succeeded { vm, ended }, TaskStatus::Succeeded) => {
                info.end_time = Some(time(*ended));
                info.result = Some(if defects.has(Defect::TaskResultNotVmId) {
                    json!(vm.trim_start_matches("vm-").parse::<i64>().unwrap_or(0))
                } else {
                    json!(vm)
                });
            }
            (Phase::Failed { error, ended }, TaskStatus::Failed) => {
                info.end_time = Some(time(*ended));
                info.error = Some(error.clone());
            }
            _ => {}
        }
        info
    }
}

/// All tasks: the active ones, and finished ones up to a cap (oldest evicted first).
#[derive(Debug)]
pub struct Tasks {
    map: HashMap<String, Task>,
    active: Vec<String>,
    finished: VecDeque<String>,
    max_finished: usize,
}

impl Tasks {
    pub fn new(max_finished: usize) -> Tasks {
        Tasks {
            map: HashMap::new(),
            active: Vec::new(),
            finished: VecDeque::new(),
            max_finished,
        }
    }

    pub fn add(&mut self, task: Task) -> String {
        let id = task.id.clone();
        self.active.push(id.clone());
        self.map.insert(id.clone(), task);
        id
    }

    pub fn get(&self, id: &str) -> Option<&Task> {
        self.map.get(id)
    }

    pub fn get_mut(&mut self, id: &str) -> Option<&mut Task> {
        self.map.get_mut(id)
    }

    pub fn all(&self) -> impl Iterator<Item = &Task> {
        self.map.values()
    }

    pub fn has_active(&self) -> bool {
        !self.active.is_empty()
    }

    /// Active tasks whose time is up at `now`, earliest first, removed from the active list.
    pub fn take_due(&mut self, now: Instant) -> Vec<String> {
        let map = &self.map;
        let mut due: Vec<String> = Vec::new();
        self.active.retain(|id| {
            let is_due = map.get(id).is_some_and(|t| t.done_at <= now);
            if is_due {
                due.push(id.clone());
            }
            !is_due
        });
        due.sort_by_key(|id| (map[id].done_at, map[id].created));
        due
    }

    /// Moves every active task whose time passed to `now`: used when held tasks are released,
    /// so that their end time is not before the release.
    pub fn postpone_due(&mut self, now: Instant) {
        for id in &self.active {
            if let Some(t) = self.map.get_mut(id)
                && t.done_at < now
            {
                t.done_at = now;
            }
        }
    }

    /// Records a finished task, evicting the oldest finished ones beyond the cap.
    pub fn finished(&mut self, id: String) {
        self.finished.push_back(id);
        while self.finished.len() > self.max_finished {
            if let Some(old) = self.finished.pop_front() {
                self.map.remove(&old);
            }
        }
    }
}

/// The `Info` of task `id` as its caller reads it now, or NotFound; both faces serve this.
pub(super) fn read_info(
    state: &Shared,
    inner: &mut Inner,
    now: Instant,
    id: &str,
) -> Result<TaskInfo, ApiError> {
    let Some(task) = inner.tasks.get_mut(id) else {
        return Err(ApiError::not_found(
            "com.vmware.cis.tasks.not_found",
            format!("Task {id} was not found."),
            &[id],
        ));
    };
    Ok(task.info(now, &state.clock, state.defects))
}

fn task_response(
    state: &AppState,
    headers: &HeaderMap,
    task: Result<Path<String>, PathRejection>,
) -> Response {
    let now = Instant::now();
    let mut inner = state.lock(now);
    if let Err(e) = inner.authenticate(headers, now) {
        return e.into_response();
    }
    let Ok(Path(id)) = task else {
        return ApiError::bad_input("task id").into_response();
    };
    let info = match read_info(state, &mut inner, now, &id) {
        Ok(info) => info,
        Err(e) => return e.into_response(),
    };
    drop(inner);
    json_response(
        StatusCode::OK,
        serde_json::to_vec(&info).unwrap_or_default(),
    )
}

pub(super) async fn get(
    State(state): State<AppState>,
    headers: HeaderMap,
    task: Result<Path<String>, PathRejection>,
) -> Response {
    task_response(&state, &headers, task)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(duration_ms: u64, outcome: Outcome) -> (Task, Instant) {
        let now = Instant::now();
        (
            Task::new(
                "domain-c8",
                "vm-42",
                "u",
                now,
                Duration::from_millis(duration_ms),
                outcome,
                None,
            ),
            now,
        )
    }

    fn plan() -> Outcome {
        Outcome::Restore(Plan {
            name: "n".into(),
            folder: "f".into(),
            resource_pool: "p".into(),
            host: "h".into(),
            powered_on: false,
        })
    }

    fn fields(info: &TaskInfo) -> serde_json::Value {
        serde_json::to_value(info).unwrap()
    }

    #[test]
    fn id_names_the_service() {
        let (t, _) = task(100, plan());
        let (uuid, service) = t.id.split_once(':').unwrap();
        assert_eq!(service, SERVICE);
        assert!(uuid::Uuid::parse_str(uuid).is_ok());
    }

    #[test]
    fn task_2_pending_has_no_progress_or_times() {
        let (mut t, now) = task(1000, plan());
        let v = fields(&t.info(now, &Clock::new(), Defects::default()));
        assert_eq!(v["status"], "PENDING");
        for f in ["progress", "result", "error", "start_time", "end_time"] {
            assert!(v.get(f).is_none(), "PENDING has {f}: {v}");
        }
    }

    #[test]
    fn task_2_running_has_progress_and_start_only() {
        let (mut t, now) = task(1000, plan());
        let v = fields(&t.info(
            now + Duration::from_millis(500),
            &Clock::new(),
            Defects::default(),
        ));
        assert_eq!(v["status"], "RUNNING");
        assert!(v["progress"]["completed"].as_i64().unwrap() < 100);
        assert!(v["start_time"].is_string());
        for f in ["error", "end_time"] {
            assert!(v.get(f).is_none(), "RUNNING has {f}: {v}");
        }
    }

    #[test]
    fn task_2_succeeded_and_failed_fields() {
        let (mut t, now) = task(10, plan());
        t.phase = Phase::Succeeded {
            vm: "vm-1000".into(),
            ended: now + Duration::from_millis(10),
        };
        let v = fields(&t.info(now, &Clock::new(), Defects::default()));
        assert_eq!(v["status"], "SUCCEEDED");
        assert_eq!(v["result"], "vm-1000");
        assert!(v["start_time"].is_string() && v["end_time"].is_string());
        assert!(v.get("error").is_none());
        t.phase = Phase::Failed {
            error: ApiError::fault(500).body,
            ended: now,
        };
        let v = fields(&t.info(now, &Clock::new(), Defects::default()));
        assert_eq!(v["status"], "FAILED");
        assert_eq!(v["error"]["error_type"], "ERROR");
        assert!(v["progress"].is_object() && v["end_time"].is_string());
    }

    #[test]
    fn display_defects_change_what_they_claim() {
        let (mut t, now) = task(10, plan());
        t.phase = Phase::Succeeded {
            vm: "vm-1000".into(),
            ended: now,
        };
        let c = Clock::new();
        let never = Defects::of(&[Defect::TaskNeverFinishes]);
        assert_eq!(t.info(now, &c, never).status, TaskStatus::Running);
        let back = Defects::of(&[Defect::TaskGoesBack]);
        assert_eq!(t.info(now, &c, back).status, TaskStatus::Succeeded);
        assert_eq!(t.info(now, &c, back).status, TaskStatus::Running);
        let nostart = Defects::of(&[Defect::TaskMissingStartTime]);
        assert_eq!(t.info(now, &c, nostart).start_time, None);
        let num = Defects::of(&[Defect::TaskResultNotVmId]);
        assert_eq!(t.info(now, &c, num).result, Some(json!(1000)));
        let spaced = Defects::of(&[Defect::TaskTimeNotRfc3339]);
        let end = t.info(now, &c, spaced).end_time.unwrap();
        assert_eq!(end.len(), "2026-11-28 01:56:33".len(), "{end}");
        assert!(!crate::checks::rfc3339::is_rfc3339(&end));
        let ok = t.info(now, &c, Defects::default()).end_time.unwrap();
        assert!(crate::checks::rfc3339::is_rfc3339(&ok), "{ok}");
    }

    #[test]
    fn finished_tasks_are_capped_oldest_first() {
        let mut tasks = Tasks::new(2);
        let mut ids = Vec::new();
        for _ in 0..3 {
            let (t, _) = task(0, plan());
            ids.push(tasks.add(t));
        }
        let due = tasks.take_due(Instant::now() + Duration::from_millis(1));
        assert_eq!(due.len(), 3);
        for id in due {
            tasks.finished(id);
        }
        assert!(!tasks.has_active());
        assert!(tasks.get(&ids[0]).is_none());
        assert!(tasks.get(&ids[1]).is_some() && tasks.get(&ids[2]).is_some());
    }
}
