//! The app's surfaces, one module per route.

pub(crate) mod desk;
pub(crate) mod field;
pub(crate) mod home;
pub(crate) mod login;
pub(crate) mod manage;
pub(crate) mod not_found;
pub(crate) mod report;
pub(crate) mod visit;
pub(crate) mod widgets;
