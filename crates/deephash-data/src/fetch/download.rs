//! Streaming HTTP download with resume (HTTP `Range`) and a progress bar.

use std::io::{Read, Write};
use std::path::Path;
use std::time::Duration;

use crate::error::{DataError, Result};

/// Downloads `url` to `dest`, going through `dest` + `.part`: an existing partial file is resumed
/// with a `Range` request (a server answering 200 instead of 206 restarts it). `size` (when known)
/// sizes the progress bar. The caller verifies and renames the `.part` file.
pub fn download(url: &str, part: &Path, size: Option<u64>, quiet: bool) -> Result<()> {
    let err = |m: String| DataError::Download {
        url: url.to_string(),
        message: m,
    };
    let have = std::fs::metadata(part).map(|m| m.len()).unwrap_or(0);
    if size.is_some_and(|s| have == s) {
        return Ok(());
    }
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_connect(Some(Duration::from_secs(30)))
        .timeout_recv_response(Some(Duration::from_secs(60)))
        .build()
        .into();
    let mut req = agent.get(url).header("Accept-Encoding", "identity");
    if have > 0 {
        req = req.header("Range", format!("bytes={have}-"));
    }
    let resp = req.call().map_err(|e| err(e.to_string()))?;
    let status = resp.status().as_u16();
    let append = match status {
        206 => true,
        200 => false,
        416 if have > 0 => return Ok(()), // nothing left to fetch: the caller verifies
        s => return Err(err(format!("HTTP status {s}"))),
    };
    let length = resp
        .headers()
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let start = if append { have } else { 0 };
    let total = size.or(length.map(|l| l + start));
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .append(append)
        .truncate(!append)
        .open(part)
        .map_err(|e| DataError::io(part, e))?;
    let bar = progress(total, start, part, quiet);
    let mut body = resp.into_body().into_reader();
    let mut buf = vec![0u8; 1 << 16];
    let mut got = 0u64;
    loop {
        let n = body.read(&mut buf).map_err(|e| {
            err(format!(
                "connection lost after {} bytes: {e} (run again to resume)",
                start + got
            ))
        })?;
        if n == 0 {
            break;
        }
        file.write_all(&buf[..n])
            .map_err(|e| DataError::io(part, e))?;
        got += n as u64;
        bar.inc(n as u64);
    }
    bar.finish_and_clear();
    file.sync_all().map_err(|e| DataError::io(part, e))?;
    if let Some(l) = length.filter(|&l| l != got) {
        return Err(err(format!(
            "transfer ended after {got} of {l} bytes (run again to resume)"
        )));
    }
    Ok(())
}

fn progress(total: Option<u64>, start: u64, part: &Path, quiet: bool) -> indicatif::ProgressBar {
    if quiet {
        return indicatif::ProgressBar::hidden();
    }
    let bar = total.map_or_else(
        indicatif::ProgressBar::new_spinner,
        indicatif::ProgressBar::new,
    );
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{msg} {bar:30} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
        )
        .expect("static template"),
    );
    bar.set_message(
        part.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
    );
    bar.set_position(start);
    bar
}
