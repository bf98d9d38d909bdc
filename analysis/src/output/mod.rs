//! What the analysis gives back: the report (text, JSON), the HTML page
//! with its charts, the plots, and the tables exported for other tools.

pub mod charts;
pub mod export;
pub mod html;
pub mod plot;
pub mod report;
pub mod run_view;
