//! How trustmap is shipped, checked where it can be without a network or a container engine:
//! the release workflows (cargo-dist's, the image's, the checksum pin's) pin every action by
//! commit and build every promised target; the archive names the Action downloads, binstall
//! fetches and the image unpacks are the ones cargo-dist writes; the Dockerfile's images are a
//! static binary on an empty base run by a non-root user; the pre-commit hooks run a scan the
//! CLI accepts; the release profile strips; every crate is publishable. YAML is read with the
//! project's own reader.

use serde_json::{Map, Value};
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A YAML file as JSON, every scalar a string.
fn yaml(path: &str) -> Value {
    let loaded = trustmap_yaml::load(
        &read(path),
        &trustmap_yaml::Limits {
            max_depth: 64,
            max_nodes: 1_000_000,
        },
    )
    .unwrap_or_else(|e| panic!("{path}:{}: {}", e.line, e.message));
    to_json(&loaded.documents[0])
}

fn to_json(node: &trustmap_yaml::Node) -> Value {
    use trustmap_yaml::NodeValue;
    match &node.value {
        NodeValue::Null => Value::Null,
        NodeValue::Scalar(text, _) => Value::String(text.clone()),
        NodeValue::Sequence(items) => Value::Array(items.iter().map(to_json).collect()),
        NodeValue::Mapping(pairs) => Value::Object(
            pairs
                .iter()
                .map(|(k, v)| (k.as_str().unwrap().to_string(), to_json(v)))
                .collect::<Map<_, _>>(),
        ),
    }
}

/// The targets cargo-dist builds (dist-workspace.toml).
fn dist_targets() -> Vec<String> {
    let text = read("dist-workspace.toml");
    let start = text.find("targets = [").expect("dist targets");
    let end = start + text[start..].find(']').unwrap();
    text[start..end]
        .split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

/// Every `uses:` of a workflow's jobs is a local workflow or pinned by a full commit SHA with
/// its version in a comment.
fn assert_pinned(path: &str) {
    let workflow = yaml(path);
    for (name, job) in workflow["jobs"].as_object().unwrap() {
        let mut uses: Vec<&str> = job["uses"].as_str().into_iter().collect();
        uses.extend(
            job["steps"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|s| s["uses"].as_str()),
        );
        for u in uses {
            if u.starts_with("./.github/workflows/") {
                assert!(root().join(&u[2..]).is_file(), "{path}: job {name}: {u}");
                continue;
            }
            let (_, sha) = u
                .split_once('@')
                .unwrap_or_else(|| panic!("{path}: {u} names no ref"));
            assert!(
                sha.len() == 40 && sha.bytes().all(|b| b.is_ascii_hexdigit()),
                "{path}: job {name}: {u} is not pinned by a full commit SHA"
            );
        }
    }
}

#[test]
fn the_release_workflow_builds_every_target_with_checksums_and_provenance() {
    let targets = dist_targets();
    assert_eq!(
        targets,
        [
            "x86_64-unknown-linux-musl",
            "aarch64-unknown-linux-musl",
            "x86_64-apple-darwin",
            "aarch64-apple-darwin",
            "x86_64-pc-windows-msvc",
        ]
    );
    let config = read("dist-workspace.toml");
    for line in [
        "checksum = \"sha256\"",
        "github-attestations = true",
        "publish-jobs = [\"./publish-image\", \"./pin-checksums\"]",
    ] {
        assert!(config.contains(line), "{line}");
    }
    let text = read(".github/workflows/release.yml");
    let release = yaml(".github/workflows/release.yml");
    let tags = release["on"]["push"]["tags"].to_string();
    assert!(tags.contains("[0-9]+"), "runs on version tags: {tags}");
    // The build matrix is what `dist plan` computes from dist-workspace.toml at run time.
    assert!(text.contains("dist build ${{ needs.plan.outputs.tag-flag }}"));
    assert!(
        text.contains("matrix: ${{ fromJson(needs.plan.outputs.val).ci.github.artifacts_matrix }}")
    );
    assert!(text.contains("actions/attest@"), "attests build provenance");
    for job in ["custom-publish-image", "custom-pin-checksums"] {
        assert!(release["jobs"][job].is_object(), "release.yml calls {job}");
    }
    for path in [
        ".github/workflows/release.yml",
        ".github/workflows/publish-image.yml",
        ".github/workflows/pin-checksums.yml",
    ] {
        assert_pinned(path);
    }
    // The called workflows ask for no more than they use.
    for (path, permissions) in [
        (
            ".github/workflows/publish-image.yml",
            &["contents", "packages", "id-token", "attestations"][..],
        ),
        (
            ".github/workflows/pin-checksums.yml",
            &["contents", "pull-requests"][..],
        ),
    ] {
        let workflow = yaml(path);
        assert_eq!(workflow["permissions"], Value::Object(Map::new()), "{path}");
        let job = workflow["jobs"]
            .as_object()
            .unwrap()
            .values()
            .next()
            .unwrap();
        let granted: Vec<&String> = job["permissions"].as_object().unwrap().keys().collect();
        assert_eq!(granted, permissions, "{path}");
    }
    let image = read(".github/workflows/publish-image.yml");
    assert!(image.contains("actions/attest-build-provenance@"));
    assert!(image.contains("sha256sum --check --strict"));
}

/// The archive each runner's Action downloads, the one binstall fetches and the ones the
/// image unpacks are archives cargo-dist writes (`trustmap-<target>.tar.xz`, `.zip` on
/// Windows).
#[test]
fn every_consumer_asks_for_an_archive_the_release_has() {
    let archives: Vec<String> = dist_targets()
        .iter()
        .map(|t| {
            let ext = if t.contains("windows") {
                "zip"
            } else {
                "tar.xz"
            };
            format!("trustmap-{t}.{ext}")
        })
        .collect();
    let action = read("action.yml");
    let named: Vec<&str> = action
        .split(|c: char| c.is_whitespace() || c == ';')
        .filter_map(|w| w.strip_prefix("archive="))
        .filter(|w| !w.is_empty() && !w.starts_with('$'))
        .collect();
    assert_eq!(named.len(), archives.len(), "{named:?}");
    for archive in &archives {
        assert!(
            named.contains(&archive.as_str()),
            "the Action downloads {archive}"
        );
    }
    let image = read(".github/workflows/publish-image.yml");
    for target in ["x86_64-unknown-linux-musl", "aarch64-unknown-linux-musl"] {
        assert!(image.contains(target), "the image holds {target}");
    }
    let manifest = read("Cargo.toml");
    assert!(manifest.contains(
        "pkg-url = \"{ repo }/releases/download/v{ version }/{ name }-{ target }{ archive-suffix }\""
    ));
    assert!(manifest.contains("bin-dir = \"{ name }-{ target }/{ bin }{ binary-ext }\""));
    assert!(manifest.contains("[package.metadata.binstall.overrides.x86_64-pc-windows-msvc]"));
}

#[test]
fn the_images_are_a_static_binary_on_an_empty_base_run_by_a_non_root_user() {
    let dockerfile = read("Dockerfile");
    let stages: Vec<&str> = dockerfile.split("\nFROM ").skip(1).collect();
    let stage = |name: &str| {
        *stages
            .iter()
            .find(|s| s.lines().next().unwrap().ends_with(&format!(" AS {name}")))
            .unwrap_or_else(|| panic!("a stage {name}"))
    };
    let build = stage("build");
    assert!(
        build.starts_with("rust:${RUST_VERSION}-alpine"),
        "a musl build"
    );
    assert!(build.contains("cargo build --release --locked --bin trustmap"));
    assert!(dockerfile.contains("ARG RUST_VERSION=1.88"), "the MSRV");
    for name in ["release", "source"] {
        let image = stage(name);
        assert!(image.starts_with("scratch AS"), "{name}: an empty base");
        let user = image
            .lines()
            .find_map(|l| l.strip_prefix("USER "))
            .unwrap_or_else(|| panic!("{name}: a USER"));
        let uid: u32 = user
            .split(':')
            .next()
            .unwrap()
            .parse()
            .expect("a numeric uid");
        assert_ne!(uid, 0, "{name}: not root");
        assert!(
            image.contains("ENTRYPOINT [\"/usr/local/bin/trustmap\"]"),
            "{name}"
        );
        assert!(
            image.contains("--chmod=0555"),
            "{name}: read-only, executable"
        );
    }
    assert!(stage("release").contains("COPY --from=dist --chmod=0555 /${TARGETPLATFORM}/trustmap"));
    assert!(
        stages.last().unwrap().starts_with("scratch AS source"),
        "`docker build .` builds from source"
    );
    // The build context keeps what the build needs and leaves out the rest.
    let ignore = read(".dockerignore");
    let ignored: Vec<&str> = ignore
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    for out in ["target/", ".git/", "fixtures/"] {
        assert!(ignored.contains(&out), "{out} is not sent");
    }
    for needed in [
        "src",
        "crates",
        "Cargo.toml",
        "Cargo.lock",
        "benches",
        "build.rs",
    ] {
        assert!(
            !ignored.iter().any(|i| i.trim_end_matches('/') == needed),
            "{needed} is needed"
        );
    }
}

#[test]
fn the_pre_commit_hooks_run_a_scan_the_cli_accepts() {
    let hooks = yaml(".pre-commit-hooks.yaml");
    let hooks = hooks.as_array().unwrap();
    let ids: Vec<&str> = hooks.iter().map(|h| h["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["trustmap", "trustmap-system", "trustmap-docker"]);
    for hook in hooks {
        assert_eq!(hook["pass_filenames"], "false", "the whole tree: {hook}");
        assert!(hook["entry"].as_str().unwrap().ends_with(" scan"), "{hook}");
        assert!(
            ["rust", "system", "docker_image"].contains(&hook["language"].as_str().unwrap()),
            "{hook}"
        );
        let args: Vec<&str> = hook["args"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap())
            .collect();
        let mut command = vec!["scan", "fixtures/compose/shop", "--fail-on", "none"];
        command.extend(args);
        let output = Command::new(env!("CARGO_BIN_EXE_trustmap"))
            .args(&command)
            .current_dir(root())
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(0), "{command:?}: {output:?}");
    }
}

#[test]
fn the_release_profile_ships_a_stripped_binary_without_debug_info() {
    let manifest = read("Cargo.toml");
    let release = &manifest[manifest.find("[profile.release]").unwrap()..];
    let release = &release[..release[1..].find("\n[").unwrap()];
    assert!(release.contains("debug = false"), "{release}");
    assert!(release.contains("strip = true"), "{release}");
    assert!(manifest.contains("[profile.dist]\ninherits = \"release\""));
}

/// Every crate carries what crates.io needs (description, license, repository), and every
/// path dependency a version, so that `cargo publish` takes it; the test kit is never
/// published, and only tests use it.
#[test]
fn every_crate_is_publishable() {
    let workspace = read("Cargo.toml");
    for line in workspace.lines().filter(|l| l.contains("path = \"crates/")) {
        if line.starts_with("trustmap-testkit") {
            assert!(!line.contains("version"), "{line}");
        } else {
            assert!(line.contains("version = \"0.1.0\""), "{line}");
        }
    }
    let crates = root().join("crates");
    let mut names: Vec<PathBuf> = std::fs::read_dir(&crates)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("Cargo.toml").is_file())
        .collect();
    names.sort();
    assert!(names.len() >= 12);
    for dir in names {
        let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        if manifest.contains("publish = false") {
            assert_eq!(name, "trustmap-testkit");
            continue;
        }
        for field in [
            "description = ",
            "license.workspace = true",
            "repository.workspace = true",
        ] {
            assert!(manifest.contains(field), "{name}: {field}");
        }
        // Nothing outside the crate's folder is read when it builds.
        let build = dir.join("build.rs");
        if build.is_file() {
            let code = std::fs::read_to_string(build).unwrap();
            assert!(
                !code.contains("../"),
                "{name}/build.rs reads outside its folder"
            );
        }
    }
    assert!(
        Path::new(&crates.join("trustmap-rules/rules/TM-E001.yaml")).is_file(),
        "the built-in rules live in their crate"
    );
    assert!(
        root().join("rules/TM-E001.yaml").is_file(),
        "and are seen at rules/"
    );
}
