//! The structure definitions the snapservice operations use, with their canonical names and
//! fields as the official bindings declare them (`vmware-vsan-data-protection`,
//! `vmware-vapi-common-client` and `vmware-vapi-runtime` 9.1.1.0: `com/vmware/snapservice/
//! clusters_client.py`, `.../clusters/virtual_machines_client.py`, `.../tasks_client.py`,
//! `com/vmware/cis/task_client.py`, `com/vmware/cis_client.py`, `com/vmware/vapi/std_client.py`).
//! Only what the restore operation and its neighbours need; nested structures the mock never
//! fills (tag rules, labels, disk snapshots, remote protection) are typed as dynamic structures.

use super::types::{StructDef, Type};

/// The input structure of every operation.
pub const OPERATION_INPUT: &str = "operation-input";

// ------------------------------------------------------------------ com.vmware.vapi.std

pub static LOCALIZABLE_MESSAGE: StructDef = StructDef {
    name: "com.vmware.vapi.std.localizable_message",
    fields: &[
        ("id", Type::String),
        ("default_message", Type::String),
        ("args", Type::List(&Type::String)),
        (
            "params",
            Type::Optional(&Type::Map(
                &Type::String,
                &Type::Struct(&LOCALIZATION_PARAM),
            )),
        ),
        ("localized", Type::Optional(&Type::String)),
    ],
};

pub static LOCALIZATION_PARAM: StructDef = StructDef {
    name: "com.vmware.vapi.std.localization_param",
    fields: &[
        ("s", Type::Optional(&Type::String)),
        ("dt", Type::Optional(&Type::DateTime)),
        ("i", Type::Optional(&Type::Integer)),
        ("d", Type::Optional(&Type::Double)),
        (
            "l",
            Type::Optional(&Type::Struct(&NESTED_LOCALIZABLE_MESSAGE)),
        ),
        (
            "format",
            Type::Optional(&Type::Enum(
                "com.vmware.vapi.std.localization_param.date_time_format",
            )),
        ),
        ("precision", Type::Optional(&Type::Integer)),
    ],
};

pub static NESTED_LOCALIZABLE_MESSAGE: StructDef = StructDef {
    name: "com.vmware.vapi.std.nested_localizable_message",
    fields: &[
        ("id", Type::String),
        (
            "params",
            Type::Optional(&Type::Map(
                &Type::String,
                &Type::Struct(&LOCALIZATION_PARAM),
            )),
        ),
    ],
};

/// Note the upper-case `ID`: that is the canonical name.
pub static DYNAMIC_ID: StructDef = StructDef {
    name: "com.vmware.vapi.std.dynamic_ID",
    fields: &[("type", Type::String), ("id", Type::Id)],
};

// ------------------------------------------------------------------ sessions

pub static CIS_SESSION_INFO: StructDef = StructDef {
    name: "com.vmware.cis.session.info",
    fields: SESSION_INFO_FIELDS,
};

pub static SNAPSERVICE_SESSION_INFO: StructDef = StructDef {
    name: "com.vmware.snapservice.sessions.info",
    fields: SESSION_INFO_FIELDS,
};

const SESSION_INFO_FIELDS: &[(&str, Type)] = &[
    ("user", Type::String),
    ("created_time", Type::DateTime),
    ("last_accessed_time", Type::DateTime),
];

// ------------------------------------------------------------------ tasks

pub static CIS_TASK_PROGRESS: StructDef = StructDef {
    name: "com.vmware.cis.task.progress",
    fields: PROGRESS_FIELDS,
};

pub static SNAPSERVICE_TASK_PROGRESS: StructDef = StructDef {
    name: "com.vmware.snapservice.tasks.progress",
    fields: PROGRESS_FIELDS,
};

const PROGRESS_FIELDS: &[(&str, Type)] = &[
    ("total", Type::Integer),
    ("completed", Type::Integer),
    ("message", Type::Struct(&LOCALIZABLE_MESSAGE)),
];

/// `com.vmware.cis.task.info`: what `com.vmware.cis.tasks` `get` returns.
pub static CIS_TASK_INFO: StructDef = StructDef {
    name: "com.vmware.cis.task.info",
    fields: &[
        (
            "progress",
            Type::Optional(&Type::Struct(&CIS_TASK_PROGRESS)),
        ),
        ("result", Type::Optional(&Type::Opaque)),
        ("description", Type::Struct(&LOCALIZABLE_MESSAGE)),
        ("service", Type::Id),
        ("operation", Type::Id),
        ("parent", Type::Optional(&Type::Id)),
        ("target", Type::Optional(&Type::Struct(&DYNAMIC_ID))),
        ("status", Type::Enum("com.vmware.cis.task.status")),
        ("cancelable", Type::Boolean),
        ("error", Type::Optional(&Type::AnyError)),
        ("start_time", Type::Optional(&Type::DateTime)),
        ("end_time", Type::Optional(&Type::DateTime)),
        ("user", Type::Optional(&Type::String)),
    ],
};

/// `com.vmware.snapservice.tasks.info`: the cis Info plus `vc_task`.
pub static SNAPSERVICE_TASK_INFO: StructDef = StructDef {
    name: "com.vmware.snapservice.tasks.info",
    fields: &[
        (
            "progress",
            Type::Optional(&Type::Struct(&SNAPSERVICE_TASK_PROGRESS)),
        ),
        ("result", Type::Optional(&Type::Opaque)),
        ("vc_task", Type::Optional(&Type::String)),
        ("description", Type::Struct(&LOCALIZABLE_MESSAGE)),
        ("service", Type::Id),
        ("operation", Type::Id),
        ("parent", Type::Optional(&Type::Id)),
        ("target", Type::Optional(&Type::Struct(&DYNAMIC_ID))),
        ("status", Type::Enum("com.vmware.snapservice.tasks.status")),
        ("cancelable", Type::Boolean),
        ("error", Type::Optional(&Type::AnyError)),
        ("start_time", Type::Optional(&Type::DateTime)),
        ("end_time", Type::Optional(&Type::DateTime)),
        ("user", Type::Optional(&Type::String)),
    ],
};

pub static CIS_TASKS_GET_SPEC: StructDef = StructDef {
    name: "com.vmware.cis.tasks.get_spec",
    fields: &[
        ("return_all", Type::Optional(&Type::Boolean)),
        ("exclude_result", Type::Optional(&Type::Boolean)),
    ],
};

// ------------------------------------------------------------------ restore

pub static RESTORE_SPEC: StructDef = StructDef {
    name: "com.vmware.snapservice.clusters.virtual_machines.restore_spec",
    fields: &[
        ("snapshot", Type::Id),
        ("name", Type::Optional(&Type::String)),
        (
            "placement",
            Type::Optional(&Type::Struct(&RESTORE_PLACEMENT_SPEC)),
        ),
    ],
};

pub static RESTORE_PLACEMENT_SPEC: StructDef = StructDef {
    name: "com.vmware.snapservice.clusters.virtual_machines.restore_placement_spec",
    fields: &[
        ("folder", Type::Optional(&Type::Id)),
        ("resource_pool", Type::Optional(&Type::Id)),
        ("host", Type::Optional(&Type::Id)),
    ],
};

// ------------------------------------------------------------------ discovery

pub static VM_FILTER_SPEC: StructDef = StructDef {
    name: "com.vmware.snapservice.clusters.virtual_machines.filter_spec",
    fields: &[
        ("vms", Type::Optional(&Type::List(&Type::Id))),
        ("name_patterns", Type::Optional(&Type::List(&Type::String))),
        ("local_protection_enabled", Type::Optional(&Type::Boolean)),
        (
            "tag_rules",
            Type::Optional(&Type::List(&Type::DynamicStruct)),
        ),
    ],
};

pub static VM_INFO: StructDef = StructDef {
    name: "com.vmware.snapservice.clusters.virtual_machines.info",
    fields: &[
        ("name", Type::String),
        ("bios_uuid", Type::Optional(&Type::String)),
        ("local_protection_enabled", Type::Boolean),
        ("protection_groups", Type::List(&Type::Id)),
        ("last_snapshot_time", Type::Optional(&Type::DateTime)),
        ("oldest_snapshot_time", Type::Optional(&Type::DateTime)),
        ("snapshot_count", Type::Integer),
        ("in_cluster", Type::Boolean),
        (
            "remote_protection_info",
            Type::Optional(&Type::DynamicStruct),
        ),
    ],
};

pub static VM_LIST_ITEM: StructDef = StructDef {
    name: "com.vmware.snapservice.clusters.virtual_machines.list_item",
    fields: &[("vm", Type::Id), ("info", Type::Struct(&VM_INFO))],
};

pub static VM_LIST_RESULT: StructDef = StructDef {
    name: "com.vmware.snapservice.clusters.virtual_machines.list_result",
    fields: &[("items", Type::List(&Type::Struct(&VM_LIST_ITEM)))],
};

pub static SNAPSHOT_FILTER_SPEC: StructDef = StructDef {
    name: "com.vmware.snapservice.clusters.virtual_machines.snapshots.filter_spec",
    fields: &[
        ("expires_after", Type::Optional(&Type::DateTime)),
        ("expires_before", Type::Optional(&Type::DateTime)),
        ("created_after", Type::Optional(&Type::DateTime)),
        ("created_before", Type::Optional(&Type::DateTime)),
        ("snapshots", Type::Optional(&Type::List(&Type::Id))),
        ("names", Type::Optional(&Type::List(&Type::String))),
        ("snapshot_type", Type::Optional(&Type::Enum(SNAPSHOT_TYPE))),
    ],
};

const SNAPSHOT_TYPE: &str = "com.vmware.snapservice.clusters.virtual_machines.snapshots.type";

pub static SNAPSHOT_INFO: StructDef = StructDef {
    name: "com.vmware.snapservice.clusters.virtual_machines.snapshots.info",
    fields: &[
        ("name", Type::String),
        ("snapshot_type", Type::Enum(SNAPSHOT_TYPE)),
        ("created_at", Type::DateTime),
        ("expires_at", Type::Optional(&Type::DateTime)),
        ("vm", Type::Id),
        ("pg", Type::Optional(&Type::Id)),
        ("disk_snapshots", Type::List(&Type::DynamicStruct)),
        ("labels", Type::Optional(&Type::List(&Type::DynamicStruct))),
    ],
};

pub static SNAPSHOT_LIST_ITEM: StructDef = StructDef {
    name: "com.vmware.snapservice.clusters.virtual_machines.snapshots.list_item",
    fields: &[
        ("snapshot", Type::Id),
        ("info", Type::Struct(&SNAPSHOT_INFO)),
    ],
};

pub static SNAPSHOT_LIST_RESULT: StructDef = StructDef {
    name: "com.vmware.snapservice.clusters.virtual_machines.snapshots.list_result",
    fields: &[("items", Type::List(&Type::Struct(&SNAPSHOT_LIST_ITEM)))],
};

#[cfg(test)]
mod tests {
    use super::*;

    const VMS: &str = "com.vmware.snapservice.clusters.virtual_machines";

    #[test]
    fn names_follow_the_bindings() {
        // Spot checks against names copied from the 9.1.1.0 bindings.
        assert_eq!(
            RESTORE_SPEC.name,
            format!("{VMS}.restore_spec"),
            "restore spec"
        );
        assert_eq!(VM_LIST_RESULT.name, format!("{VMS}.list_result"));
        assert_eq!(SNAPSHOT_INFO.name, format!("{VMS}.snapshots.info"));
        assert_eq!(DYNAMIC_ID.name, "com.vmware.vapi.std.dynamic_ID");
        // Every definition's fields are unique.
        for def in [
            &LOCALIZABLE_MESSAGE,
            &CIS_TASK_INFO,
            &SNAPSERVICE_TASK_INFO,
            &VM_INFO,
            &SNAPSHOT_INFO,
            &SNAPSHOT_FILTER_SPEC,
        ] {
            let mut names: Vec<_> = def.fields.iter().map(|(n, _)| *n).collect();
            names.sort_unstable();
            names.dedup();
            assert_eq!(names.len(), def.fields.len(), "{}", def.name);
        }
    }
}
