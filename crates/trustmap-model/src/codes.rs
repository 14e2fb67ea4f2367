//! The registry of diagnostic codes: every code a scan can report, with the levels it is
//! reported at and what it means.
//!
//! A diagnostic's code is a short stable string (`yaml-syntax`, `limit-flows`) that users
//! filter on and SARIF carries as a rule id, so its value never changes. Every code is declared
//! here once, as a [`Code`]; [`crate::Diagnostic::new`] takes a `Code`, so no crate can report a
//! code that is not documented. `docs/diagnostics.md` is generated from this table
//! ([`diagnostics_reference`]) and a test fails when the committed page is stale.

use crate::DiagnosticLevel;
use std::fmt;

/// What part of a scan a code comes from; the sections of the generated reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Area {
    /// Finding and reading files: the gate and the walk.
    Files,
    /// YAML, whatever the format (compose, Kubernetes).
    Yaml,
    /// docker compose projects.
    Compose,
    /// Kubernetes manifests.
    Kubernetes,
    /// Terraform modules, plans and states.
    Terraform,
    /// Assembling the model from the fragments.
    Model,
    /// The bounds of a scan (`trustmap limits`).
    Limits,
    /// Decisions (`trustmap.yaml` and `trustmap:` comments).
    Decisions,
}

impl Area {
    /// Every area, in the order of the reference.
    pub const ALL: [Area; 8] = [
        Area::Files,
        Area::Yaml,
        Area::Compose,
        Area::Kubernetes,
        Area::Terraform,
        Area::Model,
        Area::Limits,
        Area::Decisions,
    ];

    /// The section title.
    pub fn title(self) -> &'static str {
        match self {
            Area::Files => "Files",
            Area::Yaml => "YAML",
            Area::Compose => "docker compose",
            Area::Kubernetes => "Kubernetes",
            Area::Terraform => "Terraform",
            Area::Model => "Model",
            Area::Limits => "Limits",
            Area::Decisions => "Decisions",
        }
    }

    /// One paragraph introducing the section.
    pub fn doc(self) -> &'static str {
        match self {
            Area::Files => {
                "Every file is read through one gate: confined to the scanned paths, regular \
                 files only, under the size cap and the scan's total budget. A file picked by \
                 its name that cannot be read makes the scan incomplete; a YAML or JSON file \
                 that does not look like an input is only noted."
            }
            Area::Yaml => "Reading YAML, for compose files and Kubernetes manifests alike.",
            Area::Compose => {
                "A compose project (a compose file, its overrides and `.env`). A setting of the \
                 wrong type is an error and is not modelled; the rest of the project is."
            }
            Area::Kubernetes => {
                "Kubernetes manifests, read all together (a Service in one file selects the pods \
                 of a Deployment in another)."
            }
            Area::Terraform => {
                "Terraform root modules, evaluated statically, and plans or states written by \
                 `terraform show -json`. What cannot be known without running Terraform is \
                 unknown, and noted."
            }
            Area::Model => "Assembling the fragments of every input into one model.",
            Area::Limits => {
                "Every bound of a scan is shared by all its files and workers. Hitting one cuts \
                 what is over it, is an error (the scan is incomplete), and names the bound to \
                 raise with `--limit NAME=N`; `trustmap limits` lists them and their defaults."
            }
            Area::Decisions => {
                "Decisions (accepted, mitigated, false positive) from `trustmap.yaml` and from \
                 `trustmap:` comments, and the review of a change's decisions (`--base-config`)."
            }
        }
    }
}

macro_rules! registry {
    ($( $area:ident { $( $(#[doc = $doc:literal])+ $variant:ident = $name:literal [$($level:ident),+], )+ } )+) => {
        /// A diagnostic code. [`Code::as_str`] is the stable string shown to users; each code's
        /// documentation is the text of the generated reference.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $( $( $(#[doc = $doc])+ $variant, )+ )+
        }

        impl Code {
            /// Every code, in reference order.
            pub const ALL: &'static [Code] = &[$( $( Code::$variant, )+ )+];

            /// The stable string of the code.
            pub fn as_str(self) -> &'static str {
                match self { $( $( Code::$variant => $name, )+ )+ }
            }

            /// The part of a scan it comes from.
            pub fn area(self) -> Area {
                match self { $( $( Code::$variant => Area::$area, )+ )+ }
            }

            /// The levels it is reported at, most severe first.
            pub fn levels(self) -> &'static [DiagnosticLevel] {
                match self { $( $( Code::$variant => &[$( DiagnosticLevel::$level ),+], )+ )+ }
            }

            /// What it means and what to do about it, one paragraph.
            pub fn doc(self) -> &'static str {
                match self { $( $( Code::$variant => concat!($( $doc ),+).trim_start(), )+ )+ }
            }

            /// The code with this string.
            pub fn parse(name: &str) -> Option<Code> {
                match name { $( $( $name => Some(Code::$variant), )+ )+ _ => None }
            }
        }
    };
}

registry! {
    Files {
        /// A file is larger than the size cap (`--max-file-size`, `--limit file-size=N`) and is
        /// not read. An error for a file picked by its name (or a YAML or JSON file whose head
        /// looks like an input), a note for another YAML or JSON file, a warning for an ignore
        /// file.
        FileTooLarge = "file-too-large" [Error, Warning, Note],
        /// A file holds NUL bytes or is not UTF-8, and is not read. Levels as for
        /// `file-too-large`.
        FileBinary = "file-binary" [Error, Warning, Note],
        /// A file named in `--files-from` is excluded by `.gitignore`, so it is not part of what
        /// is scanned.
        FileIgnored = "file-ignored" [Error, Warning],
        /// A path resolves (through a symlink or `..`) outside every scanned path and is not
        /// read.
        FileOutsideRoots = "file-outside-roots" [Error, Warning],
        /// A path resolves into a folder that is never read (`.git`, `node_modules`,
        /// `.terraform`).
        FileInSkippedFolder = "file-in-skipped-folder" [Error, Warning],
        /// An input is not a regular file (a FIFO, a device, a socket, a broken symlink) and is
        /// not read.
        FileNotRegular = "file-not-regular" [Error, Warning],
        /// The operating system refused to read a file (permissions, I/O error).
        FileUnreadable = "file-unreadable" [Error, Warning],
        /// A file given by name is not a compose file, a Kubernetes manifest, Terraform, or a
        /// Terraform plan or state.
        FileNotAnInput = "file-not-an-input" [Error],
        /// A file listed in `--files-from` does not exist (deleted by the change): skipped.
        ListedFileMissing = "listed-file-missing" [Note],
        /// The folder walk could not enter a path (permissions, a symlink loop): what is under
        /// it is not scanned.
        Walk = "walk" [Warning],
        /// A symlink leads into a folder that is never read (`.git`, ...): not followed.
        SymlinkSkippedFolder = "symlink-skipped-folder" [Note],
        /// A symlink leads outside the scanned paths: not followed.
        SymlinkOutside = "symlink-outside" [Note],
    }
    Yaml {
        /// A YAML file cannot be parsed; the message gives the line. Nothing of the file is
        /// modelled.
        YamlSyntax = "yaml-syntax" [Error],
        /// A mapping repeats a key; the last value is used, as YAML readers commonly do.
        YamlDuplicateKey = "yaml-duplicate-key" [Warning],
    }
    Compose {
        /// A compose setting has the wrong type (a string where a list is expected, ...), or
        /// the file is not a mapping: that setting is not modelled.
        ComposeType = "compose-type" [Error],
        /// A compose file is empty.
        ComposeEmpty = "compose-empty" [Error],
        /// A compose file has no `services:`.
        ComposeNoServices = "compose-no-services" [Error],
        /// `name:` is not a project name compose accepts, or is set from a variable trustmap
        /// cannot resolve; the project is keyed by its folder.
        ComposeName = "compose-name" [Warning],
        /// `include:` is not followed; scan the included files as projects of their own.
        ComposeInclude = "compose-include" [Note],
        /// A service joins a network that is not declared under the top-level `networks:`.
        ComposeUndeclaredNetwork = "compose-undeclared-network" [Warning],
        /// A service names (in `depends_on`, `links`, ...) a service that is not defined.
        ComposeUnknownService = "compose-unknown-service" [Warning],
        /// `extends:` names a service in another file (a note: not followed) or a service that
        /// is not defined (a warning: not applied).
        ComposeExtends = "compose-extends" [Warning, Note],
        /// Services extend each other in a circle, which compose refuses; `extends` is not
        /// applied.
        ComposeExtendsCycle = "compose-extends-cycle" [Error],
        /// An `env_file` could not be read: the values it would set are unknown.
        ComposeEnvFile = "compose-env-file" [Note],
        /// A service publishes ports but every network it joins is `internal: true`, so they
        /// are not published.
        ComposePortsInternal = "compose-ports-internal" [Note],
        /// A `ports:` entry is not a port mapping (`[HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL]`);
        /// it is not modelled.
        ComposePort = "compose-port" [Error],
        /// A service uses a secret that is not declared under the top-level `secrets:`.
        ComposeUndeclaredSecret = "compose-undeclared-secret" [Warning],
    }
    Kubernetes {
        /// A file holds `{{ }}` template placeholders (a Helm chart): skipped; scan its
        /// rendered output (`helm template ... | trustmap scan -`).
        HelmTemplate = "helm-template" [Note],
        /// A document without `apiVersion` and `kind` is not a Kubernetes object: skipped.
        K8sNotAnObject = "k8s-not-an-object" [Warning],
        /// A Kustomization: its resources are scanned as plain manifests, its patches and
        /// overlays are not applied.
        Kustomization = "kustomization" [Note],
        /// A strategic-merge patch, not an object: skipped.
        K8sPatch = "k8s-patch" [Note],
        /// An object without `metadata.name`: skipped.
        K8sNoName = "k8s-no-name" [Note],
        /// One application defines an object twice (same kind, namespace and name): only the first is modelled. Remove or rename the copy, or keep the two in separate applications (folders).
        K8sDuplicateObject = "k8s-duplicate-object" [Warning],
        /// Two applications of the scan (unrelated folders) define an object of the same kind, namespace and name: each is modelled on its own, and its element id carries its application's folder (`k8s:<folder>:<kind>/...`).
        K8sSameObject = "k8s-same-object" [Note],
        /// A workload has no pod template where its kind keeps it: not modelled.
        K8sNoTemplate = "k8s-no-template" [Error],
        /// A pod template has no pod spec: not modelled.
        K8sNoPodSpec = "k8s-no-pod-spec" [Error],
        /// A field of an object has the wrong type: that field is not modelled.
        K8sType = "k8s-type" [Error],
        /// A RoleBinding or ClusterRoleBinding has no `roleRef`: the rights it grants are not
        /// modelled.
        K8sBinding = "k8s-binding" [Warning],
        /// A connection is named (an environment value, an Ingress backend) but
        /// NetworkPolicies deny it: no flow is modelled.
        K8sFlowDenied = "k8s-flow-denied" [Note],
    }
    Terraform {
        /// A Terraform file (HCL or `.tf.json`) cannot be parsed; the message gives the line
        /// and column. Nothing of the file is modelled.
        TerraformSyntax = "terraform-syntax" [Error],
        /// An object constructor repeats a key: Terraform keeps the last value, and so does
        /// trustmap.
        TerraformRepeatedKey = "terraform-repeated-key" [Note],
        /// A plan or state is not valid JSON or not a document `terraform show -json` writes
        /// (an error: nothing of it is modelled), or is of the other kind than `--input` says
        /// (a warning: read as what it is).
        TerraformJson = "terraform-json" [Error, Warning],
        /// A resource policy written as text (a heredoc, a string) is not valid JSON (a
        /// trailing comma, a quote left out): AWS and Terraform refuse it, and nothing it
        /// grants or denies is read.
        TerraformPolicyJson = "terraform-policy-json" [Warning],
        /// A plan or state does not hold every resource the source declares (stale, another
        /// configuration's): the source is modelled instead.
        TerraformPlanIncomplete = "terraform-plan-incomplete" [Warning],
        /// A root module could not be evaluated because of an internal error of trustmap: its
        /// resources are not modelled. Please report it.
        TerraformInternalError = "terraform-internal-error" [Error],
        /// A variable has no default and no value (tfvars, `--var-file`, module input): it is
        /// unknown.
        TerraformUnsetVariable = "terraform-unset-variable" [Note],
        /// A `count` or `for_each` is not known statically: the resource is modelled as one
        /// instance.
        TerraformUnknownCount = "terraform-unknown-count" [Note],
        /// A module call has no literal `source`: not modelled.
        TerraformModuleSource = "terraform-module-source" [Warning],
        /// A module comes from a registry or a remote address, which is not fetched: its
        /// resources are not modelled and its outputs are unknown.
        TerraformRemoteModule = "terraform-remote-module" [Note],
        /// A module's source is outside the scanned folders: not read, its outputs unknown.
        TerraformModuleOutside = "terraform-module-outside" [Warning],
        /// A module's folder holds no Terraform files.
        TerraformModuleMissing = "terraform-module-missing" [Warning],
        /// Modules call each other in a cycle: the folder is not evaluated again, and what it
        /// would declare there is missing.
        TerraformModuleCycle = "terraform-module-cycle" [Error],
        /// Values (variables, locals, outputs, module instances) refer to each other in a cycle, which Terraform refuses: the values in it are unknown. The message names each value of the cycle.
        TerraformValueCycle = "terraform-value-cycle" [Warning],
        /// `.terraform/modules/modules.json` (written by `terraform init`) could not be read: remote modules are not modelled.
        TerraformModulesJson = "terraform-modules-json" [Warning],
        /// Locals refer to each other in a cycle: their values are unknown.
        TerraformLocalsCycle = "terraform-locals-cycle" [Warning],
        /// A function (`file()`, `templatefile()`, ...) reads a path outside the scanned
        /// folders: not read, the value is unknown.
        TerraformFileOutside = "terraform-file-outside" [Warning],
    }
    Model {
        /// An element names a zone no input declares; it is placed on the internet.
        UnknownZone = "unknown-zone" [Warning],
        /// A flow names an element that does not exist: the flow is dropped.
        DanglingFlow = "dangling-flow" [Warning],
        /// An element, flow or zone id is declared more than once; the first declaration is
        /// used.
        DuplicateId = "duplicate-id" [Note],
    }
    Limits {
        /// The bound `file-size` (bytes of one input file) was reached.
        LimitFileSize = "limit-file-size" [Error],
        /// The bound `total-bytes` (bytes of all input files together) was reached: the files
        /// after it are not read.
        LimitTotalBytes = "limit-total-bytes" [Error, Warning],
        /// The bound `depth` (nesting of YAML, JSON and HCL values) was reached.
        LimitDepth = "limit-depth" [Error],
        /// The bound `yaml-nodes` (YAML nodes after alias expansion, whole scan) was reached:
        /// an alias bomb, or a very large input.
        LimitYamlNodes = "limit-yaml-nodes" [Error],
        /// The bound `eval-steps` (Terraform expressions evaluated, whole scan) was reached.
        LimitEvalSteps = "limit-eval-steps" [Error],
        /// The bound `value-size` (a string or collection Terraform evaluates) was reached: the
        /// value is unknown.
        LimitValueSize = "limit-value-size" [Error],
        /// The bound `instances` (resource and module instances, whole scan) was reached.
        LimitInstances = "limit-instances" [Error],
        /// The bound `module-depth` (module calls nested in one another) was reached.
        LimitModuleDepth = "limit-module-depth" [Error],
        /// The bound `elements` (elements of the model) was reached.
        LimitElements = "limit-elements" [Error],
        /// The bound `flows` (flows of the model) was reached.
        LimitFlows = "limit-flows" [Error],
        /// The bound `sarif-results` (results in one SARIF run) was reached: the SARIF output
        /// holds the most severe results only.
        LimitSarifResults = "limit-sarif-results" [Error],
        /// The bound `ignore-bytes` (bytes of `.gitignore` and `.ignore` files together) was
        /// reached.
        LimitIgnoreBytes = "limit-ignore-bytes" [Error],
    }
    Decisions {
        /// A decisions file or a `trustmap:` comment cannot be used (an error, naming the line
        /// and field), or repeats a key (a warning: the last value is used).
        Decisions = "decisions" [Error, Warning],
        /// A decision matches no threat any more: remove it, or fix the id it names.
        StaleDecision = "stale-decision" [Warning],
        /// With `--base-config`: the change adds this decision.
        DecisionAdded = "decision-added" [Warning],
        /// With `--base-config`: the change alters this decision.
        DecisionChanged = "decision-changed" [Warning],
        /// With `--base-config`: the change removes this decision (the line is the base
        /// revision's).
        DecisionRemoved = "decision-removed" [Warning],
        /// With `--base-config`: a decision covers many subjects (a wide glob, a whole rule).
        BroadDecision = "broad-decision" [Warning],
        /// With `--base-config`: decisions written as comments in the scanned files are not
        /// applied; only the base revision's decisions file decides.
        DecisionsInlineNotApplied = "decisions-inline-not-applied" [Warning],
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<Code> for String {
    fn from(code: Code) -> String {
        code.as_str().to_string()
    }
}

impl PartialEq<Code> for String {
    fn eq(&self, code: &Code) -> bool {
        self == code.as_str()
    }
}

fn level_name(level: DiagnosticLevel) -> &'static str {
    match level {
        DiagnosticLevel::Error => "error",
        DiagnosticLevel::Warning => "warning",
        DiagnosticLevel::Note => "note",
    }
}

/// The user documentation of every code, in Markdown: the text of `docs/diagnostics.md`.
pub fn diagnostics_reference() -> String {
    let mut out = String::from(
        "# Diagnostics\n\n\
         <!-- Generated from crates/trustmap-model/src/codes.rs: do not edit. \
         Regenerate with `UPDATE_DOCS=1 cargo test -p trustmap-model --test docs`. -->\n\n\
         A diagnostic is what trustmap says about its input: a file it could not read, a setting \
         it could not model, a bound it reached. Each is printed on standard error (and in the \
         text, JSON and SARIF reports) as `FILE:LINE: LEVEL[CODE]: message`.\n\n\
         - **error**: a file, or a part of it that matters, was not read or not modelled: the \
         scan is incomplete and exits with 2.\n\
         - **warning**: part of an input was skipped or read in a way that may be imprecise; the \
         rest was modelled.\n\
         - **note**: something was read as well as it can be without running anything (an \
         unresolved variable, a remote module), or skipped on purpose.\n\n\
         Codes are stable: a code is never renamed, so scripts and SARIF consumers can rely on it.\n",
    );
    for area in Area::ALL {
        out.push_str(&format!(
            "\n## {}\n\n{}\n\n| Code | Level | Meaning |\n| --- | --- | --- |\n",
            area.title(),
            area.doc()
        ));
        for code in Code::ALL.iter().filter(|c| c.area() == area) {
            let levels: Vec<&str> = code.levels().iter().map(|l| level_name(*l)).collect();
            out.push_str(&format!(
                "| `{}` | {} | {} |\n",
                code.as_str(),
                levels.join(", "),
                code.doc().replace('|', "\\|")
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_kebab_case_and_parse_back() {
        let mut seen = std::collections::BTreeSet::new();
        for code in Code::ALL {
            let name = code.as_str();
            assert!(seen.insert(name), "{name} is declared twice");
            assert_eq!(Code::parse(name), Some(*code));
            assert!(
                name.split('-').all(|w| !w.is_empty()
                    && w.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())),
                "{name} is not kebab-case"
            );
            assert!(!code.doc().is_empty(), "{name} has no documentation");
            let mut levels = code.levels().to_vec();
            levels.sort_by(|a, b| b.cmp(a));
            levels.dedup();
            assert_eq!(
                levels,
                code.levels(),
                "{name}: levels most severe first, once each"
            );
        }
    }

    #[test]
    fn every_limit_has_its_code() {
        for limit in crate::Limit::ALL {
            assert_eq!(limit.code().as_str(), format!("limit-{}", limit.name()));
            assert_eq!(limit.code().area(), Area::Limits);
        }
        assert_eq!(
            Code::ALL
                .iter()
                .filter(|c| c.area() == Area::Limits)
                .count(),
            crate::Limit::ALL.len()
        );
    }
}
