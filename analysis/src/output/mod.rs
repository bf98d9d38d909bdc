//! What the analysis gives back: the report (text, JSON), the comparison
//! of architectures, the HTML page with its charts and matrix, the plots,
//! and the tables exported for other tools.

pub mod causes;
pub mod charts;
pub mod compare;
pub mod export;
pub mod html;
pub mod matrix;
pub mod plot;
pub mod report;
pub mod run_view;
