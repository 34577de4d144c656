//! Workspace-level integration tests. One binary; modules by area.

mod registry;
