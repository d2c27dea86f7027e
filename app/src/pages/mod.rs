//! The app's surfaces, one module per route: the report form alone in the resident build,
//! every other surface in the staff app.

#[cfg(feature = "staff")]
pub(crate) mod admin;
#[cfg(feature = "staff")]
pub(crate) mod assess;
#[cfg(feature = "staff")]
pub(crate) mod bell;
#[cfg(feature = "staff")]
pub(crate) mod desk;
#[cfg(feature = "staff")]
pub(crate) mod field;
#[cfg(feature = "staff")]
pub(crate) mod home;
#[cfg(feature = "staff")]
pub(crate) mod login;
#[cfg(feature = "staff")]
pub(crate) mod manage;
#[cfg(feature = "staff")]
pub(crate) mod nav;
#[cfg(feature = "staff")]
pub(crate) mod not_found;
#[cfg(feature = "staff")]
pub(crate) mod order;
#[cfg(not(feature = "staff"))]
pub(crate) mod report;
#[cfg(feature = "staff")]
pub(crate) mod sitemap;
#[cfg(not(feature = "staff"))]
pub(crate) mod track;
#[cfg(feature = "staff")]
pub(crate) mod visit;
#[cfg(feature = "staff")]
pub(crate) mod widgets;
