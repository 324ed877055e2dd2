//! Generated documents (placeholder).
