//! The browser-test harness: a real `regkb serve` on a free loopback port
//! over a temporary data directory (the LawRefBook samples imported, three
//! tokens, one failing enterprise), chromedriver on another free port, one
//! headless Chromium session, and screenshots at phone and desktop widths
//! into `$CARGO_TARGET_DIR/browser-artifacts/`.
//!
//! Every child process sits in a guard that ends it (and, for chromedriver,
//! the browser it started) when the harness is dropped, also on a failed
//! assertion.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use base64::Engine as _;
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

use crate::support::{regkb_in, repo};

/// The browser and its driver, as Debian's packages install them
/// (`REGKB_CHROMIUM` / `REGKB_CHROMEDRIVER` name others).
fn chromium() -> PathBuf {
    std::env::var_os("REGKB_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"))
}

fn chromedriver() -> PathBuf {
    std::env::var_os("REGKB_CHROMEDRIVER")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromedriver"))
}

/// The enterprise the tests open: a barbecue restaurant with gas cylinders
/// and no alarm (invented record, `tests/fixtures/enterprises/`).
pub const FIXTURE: &str = "general-catering-lpg.json";

/// How long any one wait (a page, an element, a process) may take.
pub const WAIT: Duration = Duration::from_secs(30);

/// Phone and desktop viewports every page is photographed at.
pub const VIEWPORTS: [(u32, u32); 2] = [(360, 800), (1280, 900)];

/// Screenshot slice height: taller pictures get scaled down too far to read.
const SLICE: u64 = 1560;
/// Slices per page and width at most (the rest of a long page is not kept).
const MAX_SLICES: u64 = 4;

pub type Fallible<T = ()> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// Whether the browser is there; `Err` carries what is missing.
pub fn browser_available() -> Result<(), String> {
    let missing: Vec<String> = [chromium(), chromedriver()]
        .into_iter()
        .filter(|p| !p.exists())
        .map(|p| p.display().to_string())
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} not installed (run `bash scripts/install-browser.sh`)",
            missing.join(" and ")
        ))
    }
}

/// `REGKB_BROWSER=required` (set by scripts/test.sh) turns a missing
/// browser into a failure instead of a skipped test.
pub fn browser_required() -> bool {
    std::env::var("REGKB_BROWSER").is_ok_and(|v| v == "required")
}

/// A child process ended (with its whole process group) when dropped.
struct ChildGuard {
    name: &'static str,
    child: Child,
}

impl ChildGuard {
    fn spawn(name: &'static str, cmd: &mut Command) -> Fallible<ChildGuard> {
        // own process group, so the browser chromedriver starts goes with it
        cmd.process_group(0);
        let child = cmd
            .spawn()
            .map_err(|e| format!("cannot start {name}: {e}"))?;
        Ok(ChildGuard { name, child })
    }

    /// Fails when the process has already exited (it crashed on start).
    fn alive(&mut self) -> Fallible {
        match self.child.try_wait()? {
            Some(status) => Err(format!("{} exited early: {status}", self.name).into()),
            None => Ok(()),
        }
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let Ok(pid) = i32::try_from(self.child.id()) else {
            return;
        };
        // SAFETY: signalling a process group we created; no memory is involved.
        unsafe {
            libc::kill(-pid, libc::SIGTERM);
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        // SAFETY: as above; whatever is left of the group is killed.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
        let _ = self.child.wait();
    }
}

/// A free loopback port (bound, read, released).
fn free_port() -> Fallible<u16> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
    Ok(listener.local_addr()?.port())
}

/// A minimal HTTP/1.1 exchange with a loopback server: status and body.
pub fn http(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Fallible<(u16, String)> {
    let mut stream = TcpStream::connect((Ipv4Addr::LOCALHOST, port))?;
    stream.set_read_timeout(Some(WAIT))?;
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        req.push_str(&format!("{name}: {value}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    stream.write_all(req.as_bytes())?;
    // read the head, then exactly Content-Length bytes (chromedriver keeps
    // the connection open whatever `Connection: close` says)
    let mut raw = Vec::new();
    let mut buf = [0u8; 8192];
    let head_end = loop {
        let n = stream.read(&mut buf)?;
        if n == 0 {
            return Err(format!("{method} {path}: connection closed before the answer").into());
        }
        raw.extend_from_slice(buf.get(..n).unwrap_or_default());
        if let Some(i) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(raw.get(..head_end).unwrap_or_default()).to_string();
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("no HTTP status in {head:?}"))?;
    let length = head.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.eq_ignore_ascii_case("content-length")
            .then(|| value.trim().parse::<usize>().ok())
            .flatten()
    });
    let mut body = raw.split_off(head_end);
    match length {
        Some(len) => {
            while body.len() < len {
                let n = stream.read(&mut buf)?;
                if n == 0 {
                    break;
                }
                body.extend_from_slice(buf.get(..n).unwrap_or_default());
            }
        }
        None => {
            stream.read_to_end(&mut body)?;
        }
    }
    Ok((status, String::from_utf8_lossy(&body).to_string()))
}

/// Polls `GET path` until it answers 200 (or the process dies, or time runs out).
fn wait_http_ok(port: u16, path: &str, guard: &mut ChildGuard) -> Fallible {
    let deadline = Instant::now() + WAIT;
    loop {
        guard.alive()?;
        if let Ok((200, _)) = http(port, "GET", path, &[], "") {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!("{} did not answer GET {path} in time", guard.name).into());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The tokens created before the server started.
pub struct Tokens {
    pub admin: String,
    pub inspector: String,
    pub viewer: String,
}

/// The fixture enterprise as stored.
pub struct Enterprise {
    pub uscc: String,
    pub name: String,
    /// Rule ids the fixture expects to fail.
    pub failing: Vec<String>,
    /// The record as stored.
    pub record: Value,
}

/// The running service and browser. Field order is drop order: the session's
/// browser goes first, then chromedriver, the server, and the folders.
pub struct Harness {
    pub client: Client,
    chromedriver: ChildGuard,
    server: ChildGuard,
    pub base: String,
    pub tokens: Tokens,
    pub enterprise: Enterprise,
    pub artifacts: PathBuf,
    _profile: tempfile::TempDir,
    _data: tempfile::TempDir,
    shots: AtomicUsize,
    layout_problems: Mutex<Vec<String>>,
}

/// Where screenshots and logs go: `$CARGO_TARGET_DIR/browser-artifacts`, or
/// the target folder the test binary was built into.
pub fn artifacts_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .or_else(|| {
            // …/target/debug/regkb → …/target
            Path::new(env!("CARGO_BIN_EXE_regkb"))
                .parent()
                .and_then(Path::parent)
                .map(Path::to_path_buf)
        })
        .unwrap_or_else(|| repo().join("target"));
    let target = if target.is_relative() {
        repo().join(target)
    } else {
        target
    };
    target.join("browser-artifacts")
}

fn create_token(data: &Path, role: &str, region: Option<&str>, label: &str) -> String {
    let mut cmd = regkb_in(data);
    cmd.args(["token", "create", "--role", role, "--label", label]);
    if let Some(r) = region {
        cmd.args(["--region", r]);
    }
    let out = cmd.assert().success().get_output().stdout.clone();
    String::from_utf8(out).unwrap().trim().to_string()
}

impl Harness {
    /// Starts everything; the caller has checked the browser is installed.
    pub async fn start() -> Fallible<Harness> {
        let artifacts = artifacts_dir();
        if artifacts.exists() {
            std::fs::remove_dir_all(&artifacts)?;
        }
        std::fs::create_dir_all(&artifacts)?;

        // data: the LawRefBook samples (read in place, never copied into the repo)
        let data = tempfile::tempdir()?;
        let samples = repo().join("../shared/corpus-samples/lawrefbook");
        regkb_in(data.path())
            .args(["import", "lawrefbook"])
            .arg(&samples)
            .assert()
            .success();

        // the fixture enterprise and a token scoped to its county
        let text =
            std::fs::read_to_string(repo().join("tests/fixtures/enterprises").join(FIXTURE))?;
        let fixture: Value = serde_json::from_str(&text)?;
        let record = &fixture["record"];
        let uscc = record["uscc"]
            .as_str()
            .ok_or("fixture without uscc")?
            .to_string();
        let name = record["name"]
            .as_str()
            .ok_or("fixture without name")?
            .to_string();
        let county = record["region"]["county"]
            .as_str()
            .ok_or("fixture without county")?;
        let failing = fixture["expect"]["fail"]
            .as_array()
            .ok_or("fixture without expected failures")?
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect();

        // tokens are made while the store is not open by the server
        let tokens = Tokens {
            admin: create_token(data.path(), "admin", None, "浏览器测试管理员"),
            inspector: create_token(
                data.path(),
                "inspector",
                Some(&format!("county={county}")),
                "浏览器测试检查员",
            ),
            viewer: create_token(data.path(), "viewer", None, "浏览器测试访客"),
        };

        // the server
        let port = free_port()?;
        let server_log = std::fs::File::create(artifacts.join("server.log"))?;
        let mut server = ChildGuard::spawn(
            "regkb serve",
            Command::new(env!("CARGO_BIN_EXE_regkb"))
                .env_remove("REGKB_DATA_DIR")
                .env("REGKB_LOG", "warn")
                .arg("--data-dir")
                .arg(data.path())
                .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(server_log),
        )?;
        wait_http_ok(port, "/healthz", &mut server)?;

        // the enterprise, stored and checked through the API
        let bearer = format!("Bearer {}", tokens.admin);
        let auth = [
            ("Authorization", bearer.as_str()),
            ("Content-Type", "application/json"),
        ];
        let path = format!("/api/v1/enterprises/{uscc}");
        let (st, body) = http(port, "PUT", &path, &auth, &record.to_string())?;
        if st != 200 {
            return Err(format!("PUT {path}: {st} {body}").into());
        }
        let as_of = fixture["as_of"].as_str().unwrap_or("2026-11-28");
        let check = format!("{path}/check?as_of={as_of}");
        let (st, body) = http(port, "POST", &check, &auth, "")?;
        if st != 200 {
            return Err(format!("POST {check}: {st} {body}").into());
        }

        // chromedriver and one browser session
        let driver_port = free_port()?;
        let driver_log = std::fs::File::create(artifacts.join("chromedriver.log"))?;
        let mut chromedriver = ChildGuard::spawn(
            "chromedriver",
            Command::new(chromedriver())
                .arg(format!("--port={driver_port}"))
                .stdin(Stdio::null())
                .stdout(driver_log.try_clone()?)
                .stderr(driver_log),
        )?;
        wait_http_ok(driver_port, "/status", &mut chromedriver)?;
        let profile = tempfile::tempdir()?;
        let caps = json!({
            "browserName": "chrome",
            "unhandledPromptBehavior": "ignore",
            "goog:chromeOptions": {
                "binary": chromium(),
                "args": [
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--disable-quic",
                    "--disable-dev-shm-usage",
                    "--hide-scrollbars",
                    "--lang=zh-CN",
                    "--window-size=1280,900",
                    format!("--user-data-dir={}", profile.path().display()),
                ],
            },
        });
        let serde_json::Value::Object(caps) = caps else {
            return Err("capabilities are not an object".into());
        };
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = tokio::time::timeout(
            WAIT,
            ClientBuilder::new(connector)
                .capabilities(caps)
                .connect(&format!("http://127.0.0.1:{driver_port}")),
        )
        .await
        .map_err(|_| "no browser session in time")?
        .map_err(|e| format!("cannot open a browser session: {e}"))?;

        Ok(Harness {
            client,
            chromedriver,
            server,
            base: format!("http://127.0.0.1:{port}"),
            tokens,
            enterprise: Enterprise {
                uscc,
                name,
                failing,
                record: record.clone(),
            },
            artifacts,
            _profile: profile,
            _data: data,
            shots: AtomicUsize::new(0),
            layout_problems: Mutex::new(Vec::new()),
        })
    }

    /// The layout problems the screenshots found so far.
    pub fn layout_problems(&self) -> Vec<String> {
        self.layout_problems
            .lock()
            .map(|p| p.clone())
            .unwrap_or_default()
    }

    /// Ends the browser session politely (the guards do the rest).
    pub async fn close(mut self) -> Fallible {
        self.server.alive()?;
        self.chromedriver.alive()?;
        let client = self.client.clone();
        client.close().await?;
        Ok(())
    }

    /// Opens a page path (`/search?q=…`).
    pub async fn goto(&self, path: &str) -> Fallible {
        self.client.goto(&format!("{}{path}", self.base)).await?;
        Ok(())
    }

    /// Waits for an element to appear.
    pub async fn wait_for(&self, css: &str) -> Fallible<fantoccini::elements::Element> {
        match self
            .client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(css))
            .await
        {
            Ok(element) => Ok(element),
            Err(e) => Err(format!("no `{css}` on {}: {e}", self.url().await).into()),
        }
    }

    /// The current URL (for messages).
    pub async fn url(&self) -> String {
        self.client
            .current_url()
            .await
            .map(|u| u.to_string())
            .unwrap_or_else(|e| format!("(no url: {e})"))
    }

    /// Runs a script and returns its value.
    pub async fn js(&self, script: &str) -> Fallible<Value> {
        Ok(self.client.execute(script, Vec::new()).await?)
    }

    /// The page's visible text.
    pub async fn text(&self) -> Fallible<String> {
        Ok(self
            .js("return document.body ? document.body.innerText : ''")
            .await?
            .as_str()
            .unwrap_or_default()
            .to_string())
    }

    /// A Chrome DevTools command through chromedriver's `goog/cdp/execute`.
    pub async fn cdp(&self, cmd: &str, params: Value) -> Fallible<Value> {
        Ok(self
            .client
            .issue_cmd(Cdp {
                cmd: cmd.to_string(),
                params,
            })
            .await?)
    }

    /// Screenshots of the current page at each viewport as
    /// `NN-name-WIDTH.png`, the whole page in slices of `SLICE` px (at most
    /// `MAX_SLICES`, later ones `NN-name-WIDTH-2.png`, …) so each stays
    /// readable; checks nothing sticks out sideways at either width and no
    /// table column is squeezed to a glyph's width.
    /// Returns the files written.
    pub async fn screenshots(&self, name: &str) -> Fallible<Vec<PathBuf>> {
        let mut files = Vec::new();
        let seq = self.shots.fetch_add(1, Ordering::Relaxed) + 1;
        let mut problems = Vec::new();
        for (width, height) in VIEWPORTS {
            self.cdp(
                "Emulation.setDeviceMetricsOverride",
                json!({"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600}),
            )
            .await?;
            let sizes = self
                .js("return [document.documentElement.scrollWidth, document.documentElement.scrollHeight, window.innerWidth]")
                .await?;
            let scroll_width = sizes[0].as_u64().unwrap_or(0);
            let full_height = sizes[1].as_u64().unwrap_or(u64::from(height));
            let inner = sizes[2].as_u64().unwrap_or(u64::from(width));
            if scroll_width > inner {
                problems.push(format!(
                    "{name} at {width}px: the page is {scroll_width}px wide (scrolls sideways)"
                ));
            }
            let squeezed = self.js(SQUEEZED_CELLS).await?;
            if let Some(cells) = squeezed.as_array().filter(|c| !c.is_empty()) {
                let cells: Vec<&str> = cells.iter().filter_map(Value::as_str).collect();
                problems.push(format!(
                    "{name} at {width}px: table cells squeezed narrower than 3em: {}",
                    cells.join(" | ")
                ));
            }
            let full_height = full_height.max(u64::from(height));
            for slice in 0..MAX_SLICES {
                let top = slice * SLICE;
                if top >= full_height {
                    break;
                }
                let shot = self
                    .cdp(
                        "Page.captureScreenshot",
                        json!({
                            "format": "png",
                            "captureBeyondViewport": true,
                            "clip": {"x": 0, "y": top, "width": width, "height": (full_height - top).min(SLICE), "scale": 1},
                        }),
                    )
                    .await?;
                let data = shot["data"].as_str().ok_or("no screenshot data")?;
                let png = base64::engine::general_purpose::STANDARD.decode(data)?;
                let file = if slice == 0 {
                    format!("{seq:02}-{name}-{width}.png")
                } else {
                    format!("{seq:02}-{name}-{width}-{}.png", slice + 1)
                };
                let file = self.artifacts.join(file);
                std::fs::write(&file, png)?;
                files.push(file);
            }
        }
        self.cdp("Emulation.clearDeviceMetricsOverride", json!({}))
            .await?;
        if let Ok(mut all) = self.layout_problems.lock() {
            all.extend(problems);
        }
        Ok(files)
    }
}

/// Table cells holding more than ten characters of text in a column less
/// than three characters wide (text running down one glyph per line).
const SQUEEZED_CELLS: &str = r#"
    const bad = [];
    for (const cell of document.querySelectorAll('td, th')) {
        const box = cell.getBoundingClientRect();
        const text = cell.innerText.trim();
        const em = parseFloat(getComputedStyle(cell).fontSize) || 16;
        if (box.width > 0 && text.length > 10 && box.width < 3 * em) {
            bad.push(text.replace(/\s+/g, ' ').slice(0, 12) + '… (' + Math.round(box.width) + 'px)');
        }
    }
    return bad.slice(0, 5);
"#;

/// `POST /session/{id}/goog/cdp/execute` (chromedriver's DevTools bridge).
#[derive(Debug)]
struct Cdp {
    cmd: String,
    params: Value,
}

impl WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (axum::http::Method, Option<String>) {
        let body = json!({"cmd": self.cmd, "params": self.params});
        (axum::http::Method::POST, Some(body.to_string()))
    }
}
