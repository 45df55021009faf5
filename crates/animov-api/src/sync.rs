//! Sync between barn PCs (sites) and a central AniMOV: the wire format of
//! `/api/v1/sync/...` (sites always dial out) and the state shown in the UI.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A row on the wire: `[version, origin site | null, origin id, columns...]`
/// for tables with ids, `[version, columns...]` for tables keyed by camera and
/// time. The version is the sender's change sequence. A reference to another
/// synced row is its identity `[origin site | null, id]`; `null` as origin
/// site means the sender. Bytes are base64.
pub type WireRow = Vec<serde_json::Value>;

/// A row's identity across nodes: the node that created it and its id there
/// (`site = None`: the sender).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowIdentity {
    /// Site id of the node that created the row; `None`: the sender.
    pub site: Option<String>,
    /// The row's id on that node.
    pub id: i64,
}

/// A row deleted at the sender.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tombstone {
    /// The sender's change sequence of the deletion.
    pub seq: i64,
    /// The row deleted.
    pub row: RowIdentity,
}

/// One table's changes, in change order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncBatch {
    /// Table name.
    pub table: String,
    /// Column names of [`WireRow`] after the version (and identity).
    pub columns: Vec<String>,
    /// The rows as they are now.
    pub rows: Vec<WireRow>,
    /// Deletions.
    pub tombstones: Vec<Tombstone>,
    /// Pictures travelling with the rows (base64 JPEG, one per row, `null`
    /// when its file is gone).
    #[serde(default)]
    pub files: Vec<Option<String>>,
    /// The highest change sequence covered; the site's cursor moves there
    /// once the central has committed.
    pub last_seq: i64,
}

/// `POST /api/v1/sync/push` (gzip body, site credential).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushRequest {
    /// The site's clock when it sent this (for the skew).
    pub sent_ms: i64,
    /// The site's app version.
    pub version: String,
    /// Rows still to send per table after this batch.
    pub backlog: BTreeMap<String, i64>,
    /// The changes; `None`: a contact with nothing to send.
    pub batch: Option<SyncBatch>,
}

/// The central's answer to a push: committed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushReply {
    /// The change sequence the site may move its cursor to.
    pub committed_seq: i64,
    /// Rows written or deleted.
    pub applied: u64,
    /// The central's clock (for the skew).
    pub central_ms: i64,
}

/// One change written at the central about a site's data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DownEntry {
    /// Its place in the central's list for this site (the site's down cursor).
    pub id: i64,
    /// Table name.
    pub table: String,
    /// The row as it is now at the central (its version is 0), or `None`
    /// when it was deleted.
    pub row: Option<WireRow>,
    /// The row deleted, when it was.
    pub deleted: Option<RowIdentity>,
}

/// `GET /api/v1/sync/pull?after=N`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PullReply {
    /// Changes in order.
    pub entries: Vec<DownEntry>,
    /// More entries wait.
    pub more: bool,
    /// The central's clock.
    pub central_ms: i64,
}

/// `POST /api/v1/sync/join`: a site joins with a one-time code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinRequest {
    /// The code an admin of the central created.
    pub code: String,
    /// The site's id.
    pub site_id: String,
    /// What the farm calls this PC, e.g. "Barn 2".
    pub name: String,
    /// The farm.
    pub farm: String,
    /// IANA time zone of the site.
    pub time_zone: String,
    /// App version.
    pub version: String,
}

/// The central's answer to a join: the site's credential (shown once).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinReply {
    /// Secret the site sends with every request (kept in its secrets store).
    pub credential: String,
    /// The central's own site id.
    pub central_id: String,
}

/// `POST /api/v1/sync/enrolments` (central admin): a one-time code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Enrolment {
    /// The code to type on the site (shown once).
    pub code: String,
    /// It stops working then.
    pub expires_ms: i64,
}

/// `POST /api/v1/sync/join-central` (site admin, from the Settings page).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JoinCentral {
    /// The central's address, e.g. `https://central.coop.example:8642`.
    pub url: String,
    /// The enrolment code.
    pub code: String,
    /// What to call this site at the central.
    pub name: String,
    /// The farm.
    pub farm: String,
}

/// What a node is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum SyncRole {
    /// A barn PC: the source of truth for its cameras.
    Site,
    /// Collects the sites.
    Central,
}

/// How far one table is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TableBacklog {
    /// Table name.
    pub table: String,
    /// Rows (and deletions) not yet committed by the central.
    pub pending: i64,
}

/// `GET /api/v1/sync/status` at a site.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SyncStatus {
    /// What this node is.
    pub role: SyncRole,
    /// This node's site id.
    pub site_id: String,
    /// The central this site sends to (`None`: not joined).
    pub central_url: Option<String>,
    /// Last pass that reached the central and ended with nothing left.
    pub last_synced_ms: Option<i64>,
    /// Last time the central answered.
    pub last_contact_ms: Option<i64>,
    /// Since when the central cannot be reached (`None`: it can).
    pub offline_since_ms: Option<i64>,
    /// Why the last try failed.
    pub last_error: Option<String>,
    /// Rows still to send, per table (tables with none left out).
    pub backlog: Vec<TableBacklog>,
    /// Sum of the backlog.
    pub pending: i64,
    /// Rows sent in the current (or last) pass.
    pub sent_rows: i64,
    /// Compressed bytes sent in it.
    pub sent_bytes: i64,
    /// Rows per second in it.
    pub rate_rows_s: f64,
    /// Seconds left at that rate (`None`: nothing left or no rate yet).
    pub eta_s: Option<f64>,
    /// The central's clock minus this site's, ms (round-trip corrected).
    pub skew_ms: Option<i64>,
    /// A pass is running.
    pub running: bool,
}

/// One site as the central sees it (`GET /api/v1/sync/sites`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SiteInfo {
    /// Site id.
    pub site_id: String,
    /// Name.
    pub name: String,
    /// Farm.
    pub farm: String,
    /// Time zone.
    pub time_zone: String,
    /// App version at last contact.
    pub version: String,
    /// When it joined.
    pub enrolled_ms: i64,
    /// Last request from it.
    pub last_contact_ms: Option<i64>,
    /// Its clock's offset from the central's (site − central), ms.
    pub skew_ms: Option<i64>,
    /// What it said it still has to send, per table.
    pub backlog: Vec<TableBacklog>,
    /// When it was revoked (it can no longer send).
    pub revoked_ms: Option<i64>,
    /// Its cameras at the central.
    pub cameras: i64,
}
