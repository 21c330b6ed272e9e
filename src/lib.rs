// Placeholder: the extension crate is being built (see issue 3).
