//! The progress bar of `seal --format stream` and `open` of a stream: on standard error, only
//! when standard error is a terminal, never with `--json`, and only for an input larger than
//! [`MIN_LEN`] (or, of unknown length, once that much was read). Everything about it lives
//! here: a command wraps its input in [`reader`] and nothing else.

use std::io::{IsTerminal, Read};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Inputs up to this size (8 MiB) take too little time to need a bar.
pub(crate) const MIN_LEN: u64 = 8 << 20;

/// Whether the bar is drawn after `read` bytes of an input of `total` bytes (`None`: unknown).
fn shown(json: bool, terminal: bool, total: Option<u64>, read: u64) -> bool {
    !json && terminal && total.map_or(read > MIN_LEN, |total| total > MIN_LEN)
}

/// A reader that advances a progress bar as `inner` is read.
pub(crate) struct Reader<R> {
    inner: R,
    bar: ProgressBar,
    json: bool,
    terminal: bool,
    total: Option<u64>,
    read: u64,
    drawn: bool,
}

/// Wraps `inner` (`total` bytes, if known) in a progress bar labelled `what` (e.g. "sealing").
pub(crate) fn reader<R: Read>(inner: R, total: Option<u64>, json: bool, what: &'static str) -> Reader<R> {
    let terminal = std::io::stderr().is_terminal();
    let template = match total {
        Some(_) => "{msg} [{bar:32}] {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec} ETA {eta}",
        None => "{spinner} {msg} {binary_bytes} {binary_bytes_per_sec}",
    };
    let style = ProgressStyle::with_template(template)
        .map(|s| s.progress_chars("=> "))
        .unwrap_or_else(|_| ProgressStyle::default_bar());
    let bar = ProgressBar::with_draw_target(total, ProgressDrawTarget::hidden())
        .with_style(style)
        .with_message(what);
    Reader {
        inner,
        bar,
        json,
        terminal,
        total,
        read: 0,
        drawn: false,
    }
}

impl<R: Read> Read for Reader<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(out)?;
        self.read = self.read.saturating_add(n as u64);
        if !self.drawn && shown(self.json, self.terminal, self.total, self.read) {
            self.drawn = true;
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
        }
        self.bar.set_position(self.read);
        Ok(n)
    }
}

impl<R> Drop for Reader<R> {
    /// Clears the bar, so that the command's own message (or the shell prompt) follows.
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bar_only_on_a_terminal_without_json_for_large_inputs() {
        let big = Some(MIN_LEN + 1);
        assert!(shown(false, true, big, 0));
        assert!(!shown(true, true, big, 0), "never with --json");
        assert!(
            !shown(false, false, big, 0),
            "never when standard error is not a terminal"
        );
        assert!(!shown(false, true, Some(MIN_LEN), MIN_LEN), "small input: no bar");
        // Unknown length (a pipe): once more than MIN_LEN was read.
        assert!(!shown(false, true, None, MIN_LEN));
        assert!(shown(false, true, None, MIN_LEN + 1));
        assert!(!shown(true, true, None, u64::MAX));
    }

    #[test]
    fn reader_passes_every_byte_through() {
        let data: Vec<u8> = (0..100_000u32).map(|i| i as u8).collect();
        let mut r = reader(&data[..], Some(data.len() as u64), false, "test");
        let mut back = Vec::new();
        r.read_to_end(&mut back).unwrap_or_default();
        assert_eq!(back, data);
        assert_eq!(r.read, data.len() as u64);
    }
}
