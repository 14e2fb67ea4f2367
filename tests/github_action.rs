//! The GitHub Action (`action.yml`) run locally: its tests live in `tests/action/`.

mod action;
