//! The server's SQL, one module per aggregate. New statements are written here, behind
//! methods of `Db`, so routes never hold the pool (the older statements in `db.rs` and a few
//! routes move here aggregate by aggregate).

pub mod billing;
pub mod folded;
pub mod photos;
pub mod plans;
pub mod prices;
pub mod special;
