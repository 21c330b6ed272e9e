//! One module per RunCloud endpoint group, each doc-linked to the page it implements.

pub mod domains;
pub mod pagination;
pub mod servers;
pub mod ssl;
