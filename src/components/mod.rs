//! Pieces the register pages share.

pub mod choices;
pub mod entry_form;
pub mod focus;
pub mod header;
pub mod inside_list;
pub mod ja_date;
pub mod ja_day;
pub mod key_logbook;
pub mod keyed;
pub mod log_table;
pub mod logbook_browser;
pub mod logbook_table;
pub mod pager;
pub mod record_form;
pub mod record_link;
pub mod record_time;
pub mod register_output;
pub mod remedy;
pub mod room_picker;
pub mod setup_checklist;
pub mod shown;
pub mod staff_choice;
pub mod storage_warning;
pub mod update_banner;
