//! Bench fixture (tools/bench.sh, never a test): `count` logbook entries continuing a device's
//! chain, printed as a JSON array, so the browser bench can give a real device 10,000 events
//! to push without clicking 10,000 times. Each event is sealed (hash-linked) as the app seals.
//!
//! Usage: sync_fixture <device> <last seq> <head hash> <last wall ms> <count>

use daicho_core::{DeviceId, EntryRecorded, Event, EventKind, Hlc};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [device, seq, head, wall, count] = args.as_slice() else {
        anyhow::bail!("usage: sync_fixture <device> <last seq> <head hash> <last wall ms> <count>");
    };
    let (seq, wall, count): (u64, i64, u64) = (seq.parse()?, wall.parse()?, count.parse()?);
    let mut prev = head.clone();
    let mut events = Vec::with_capacity(count as usize);
    for n in 1..=count {
        let at = wall + n as i64 * 10;
        let entered = chrono::DateTime::from_timestamp_millis(at - 86_400_000 * 30)
            .ok_or_else(|| anyhow::anyhow!("time out of range"))?;
        // Entries without a register id (as on paper): no permission to judge, so the
        // bench measures sync, not thousands of rule breaks.
        let entry = EntryRecorded::new(
            "default-level-1",
            "計測 花子",
            "総務課",
            "計測",
            true,
            entered,
        );
        let hlc = Hlc {
            wall_ms: at,
            counter: 0,
        };
        let id = DeviceId(device.clone());
        let event = Event::seal(
            id,
            seq + n,
            hlc,
            "bench".into(),
            EventKind::EntryRecorded(entry),
            &prev,
        );
        prev = event.hash.clone();
        events.push(event);
    }
    println!("{}", serde_json::to_string(&events)?);
    Ok(())
}
