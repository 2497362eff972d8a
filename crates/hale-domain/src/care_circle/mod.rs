//! The care circle: people who help a patient (family caregivers, parents of a child) and what
//! each may see and do. `age` is the hospital's age rules for a parent's access; `consent` is a
//! grant's meaning and the check of one request against it; `invitation` the one-time code;
//! `circle` the two-sided list as the app holds it; `refusal` each way the hospital says no.
//! Pure, like the rest of the domain: every check takes the time.

pub mod age;
pub mod alerts;
pub mod circle;
pub mod consent;
pub mod invitation;
pub mod refusal;

pub use circle::{CareCircle, CircleMember, GrantStatus, Invitation};
pub use consent::{Access, Basis, Denied, Grant, Permission, Permissions, Subject};
pub use invitation::{InvitationCode, INVITATION_LIFETIME};
pub use refusal::CareCircleRefusal;
