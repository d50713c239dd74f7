//! The ledger: every restore the run starts, recorded the moment it is accepted (before its
//! task ends and names a VM), every VM learned from a task, every removal. It is kept in memory
//! for the report and, when the run has a report directory, appended to `ledger.jsonl` there
//! line by line, so a run that is killed still tells `cleanup --report DIR` what it left.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

/// The ledger file's name in a report directory.
pub const LEDGER_FILE: &str = "ledger.jsonl";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum LedgerEntry {
    /// A restore request was sent; its answer is not known yet. A request that never gets an
    /// answer (a timeout) may still have created a VM of this name.
    Sent {
        trial: String,
        cluster: String,
        name: Option<String>,
    },
    /// A restore sent (`Sent`) was refused: it created nothing, and its name is free again.
    Refused {
        trial: String,
        name: Option<String>,
    },
    /// A restore was accepted with this task.
    Accepted {
        trial: String,
        task: String,
        cluster: String,
        name: Option<String>,
    },
    /// A task (or a sweep) named a VM the run created.
    Created {
        vm: String,
        task: Option<String>,
    },
    /// A task was seen to end (SUCCEEDED or FAILED), whether or not it named a VM.
    Ended {
        task: String,
    },
    Removed {
        vm: String,
    },
    Left {
        vm: String,
        why: String,
    },
    /// The run ended (normally or after Ctrl-C): what follows in the file is a later run's.
    Closed,
}

#[derive(Debug)]
pub struct Ledger {
    entries: Mutex<Vec<LedgerEntry>>,
    file: Mutex<Option<File>>,
    path: Option<PathBuf>,
}

/// What a ledger says is still out there.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Outstanding {
    /// VMs created and neither removed nor known to be kept on purpose.
    pub vms: BTreeSet<String>,
    /// Accepted tasks that never named a VM: their VM may exist under the requested name.
    pub tasks: BTreeMap<String, Option<String>>,
    /// Names of restores sent without a known answer.
    pub names: BTreeSet<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}:{line}: not a ledger entry: {source}")]
    Parse {
        path: String,
        line: usize,
        #[source]
        source: serde_json::Error,
    },
}

impl Ledger {
    /// A ledger kept in memory only.
    pub fn in_memory() -> Ledger {
        Ledger {
            entries: Mutex::new(Vec::new()),
            file: Mutex::new(None),
            path: None,
        }
    }

    /// A ledger that also appends to `dir/ledger.jsonl` (the directory and file are created with
    /// the first entry).
    pub fn in_dir(dir: &Path) -> Result<Ledger, LedgerError> {
        // The file is made with the first entry: a run that cannot start leaves nothing behind.
        Ok(Ledger {
            entries: Mutex::new(Vec::new()),
            file: Mutex::new(None),
            path: Some(dir.join(LEDGER_FILE)),
        })
    }

    /// Opens (creating the directory) the ledger file for appending.
    fn open(path: &Path) -> std::io::Result<File> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        OpenOptions::new().create(true).append(true).open(path)
    }

    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Records an entry; the file line is written and flushed before this returns, so what
    /// was recorded survives a kill. A write error is not fatal to the run (the entry stays in
    /// memory and in the report); it closes the file so later entries do not interleave.
    pub fn record(&self, e: LedgerEntry) {
        {
            let mut f = self.file.lock().unwrap_or_else(|p| p.into_inner());
            let first = self
                .entries
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .is_empty();
            if first && f.is_none() {
                *f = self.path.as_deref().and_then(|p| Self::open(p).ok());
            }
            if let Some(file) = f.as_mut() {
                let ok = serde_json::to_string(&e)
                    .is_ok_and(|line| writeln!(file, "{line}").is_ok() && file.flush().is_ok());
                if !ok {
                    *f = None;
                }
            }
        }
        self.entries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(e);
    }

    pub fn entries(&self) -> Vec<LedgerEntry> {
        self.entries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub fn outstanding(&self) -> Outstanding {
        outstanding(&self.entries())
    }

    /// Reads a ledger file written by an earlier run.
    pub fn load(path: &Path) -> Result<Vec<LedgerEntry>, LedgerError> {
        let p = path.display().to_string();
        let f = File::open(path).map_err(|source| LedgerError::Io {
            path: p.clone(),
            source,
        })?;
        let mut out = Vec::new();
        for (i, line) in BufReader::new(f).lines().enumerate() {
            let line = line.map_err(|source| LedgerError::Io {
                path: p.clone(),
                source,
            })?;
            if line.trim().is_empty() {
                continue;
            }
            match serde_json::from_str(&line) {
                Ok(e) => out.push(e),
                // A line cut short by a kill is the last one: what was complete still counts.
                Err(_) if i + 1 == count_lines(path) => break,
                Err(source) => {
                    return Err(LedgerError::Parse {
                        path: p,
                        line: i + 1,
                        source,
                    });
                }
            }
        }
        Ok(out)
    }
}

fn count_lines(path: &Path) -> usize {
    std::fs::read_to_string(path)
        .map(|s| s.lines().count())
        .unwrap_or(0)
}

/// What `entries` leave outstanding: created VMs not removed, accepted tasks that never named a
/// VM, and sent restores never answered.
pub fn outstanding(entries: &[LedgerEntry]) -> Outstanding {
    let mut o = Outstanding::default();
    let mut task_named: BTreeSet<String> = BTreeSet::new();
    for e in entries {
        match e {
            LedgerEntry::Sent { name: Some(n), .. } => {
                o.names.insert(n.clone());
            }
            LedgerEntry::Refused { name: Some(n), .. } => {
                o.names.remove(n);
            }
            LedgerEntry::Accepted { task, name, .. } => {
                if let Some(n) = name {
                    o.names.remove(n);
                }
                o.tasks.insert(task.clone(), name.clone());
            }
            LedgerEntry::Ended { task } => {
                task_named.insert(task.clone());
            }
            LedgerEntry::Created { vm, task } => {
                o.vms.insert(vm.clone());
                if let Some(t) = task {
                    task_named.insert(t.clone());
                }
            }
            LedgerEntry::Removed { vm } => {
                o.vms.remove(vm);
            }
            _ => {}
        }
    }
    o.tasks.retain(|t, _| !task_named.contains(t));
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accepted(task: &str, name: &str) -> LedgerEntry {
        LedgerEntry::Accepted {
            trial: "ACC-1::x".into(),
            task: task.into(),
            cluster: "domain-c8".into(),
            name: Some(name.into()),
        }
    }

    #[test]
    fn outstanding_follows_tasks_to_vms_to_removals() {
        let e = vec![
            LedgerEntry::Sent {
                trial: "t".into(),
                cluster: "c".into(),
                name: Some("n1".into()),
            },
            accepted("t1", "n1"),
            accepted("t2", "n2"),
            // A task that ended FAILED named no VM: nothing to look for.
            accepted("t-failed", "n4"),
            LedgerEntry::Ended {
                task: "t-failed".into(),
            },
            LedgerEntry::Created {
                vm: "vm-1".into(),
                task: Some("t1".into()),
            },
            LedgerEntry::Created {
                vm: "vm-2".into(),
                task: None,
            },
            LedgerEntry::Removed { vm: "vm-1".into() },
            LedgerEntry::Sent {
                trial: "t".into(),
                cluster: "c".into(),
                name: Some("n3".into()),
            },
        ];
        let o = outstanding(&e);
        assert_eq!(o.vms, BTreeSet::from(["vm-2".to_owned()]));
        assert_eq!(o.tasks.keys().collect::<Vec<_>>(), vec!["t2"]);
        assert_eq!(o.names, BTreeSet::from(["n3".to_owned()]));
    }

    #[test]
    fn the_file_survives_and_a_torn_last_line_is_tolerated() {
        let dir = tempfile::tempdir().unwrap();
        let l = Ledger::in_dir(dir.path()).unwrap();
        l.record(accepted("t1", "n1"));
        l.record(LedgerEntry::Created {
            vm: "vm-9".into(),
            task: Some("t1".into()),
        });
        drop(l);
        let path = dir.path().join(LEDGER_FILE);
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        write!(f, "{{\"event\":\"remo").unwrap();
        let back = Ledger::load(&path).unwrap();
        assert_eq!(back.len(), 2);
        assert_eq!(outstanding(&back).vms.len(), 1);
    }

    #[test]
    fn a_corrupt_middle_line_names_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(LEDGER_FILE);
        std::fs::write(
            &path,
            "{\"event\":\"closed\"}\nnot json\n{\"event\":\"closed\"}\n",
        )
        .unwrap();
        let e = Ledger::load(&path).unwrap_err().to_string();
        assert!(e.contains("ledger.jsonl:2"), "{e}");
    }
}
