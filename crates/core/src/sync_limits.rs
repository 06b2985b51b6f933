//! The limits of one push, shared by the endpoint, which refuses a request over them (each
//! with a code of its own), and the device, which cuts its batches to fit so it never sends
//! one the endpoint must refuse.

/// The most events one push carries (`batch_too_large` above it).
pub const MAX_BATCH_EVENTS: usize = 1000;

/// The most bytes one request body carries (`body_too_large` above it): 4 MiB, about nine
/// thousand logbook lines, so a device normally meets the count first; long texts (minutes of
/// a meeting, an instruction's report) make the bytes the limit instead.
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;
