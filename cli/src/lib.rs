//! A command-line tool over an API, driven by a table that the generator writes from the same
//! model as the typed client (the generated crate's feature `cli`).
//!
//! The generated crate describes every operation once, as data ([`App`], [`Command`],
//! [`Arg`]); this module turns the table into a `clap` command tree, the parsed arguments into
//! a [`Request`](contractfit_runtime::Request) sent through the normal [`Client`](contractfit_runtime::Client) path
//! (credentials, retries, timeouts), and the answer into output. The workflows (upload many
//! files and wait for them, wait for many ids, list every page) are built on the same table and
//! on the runtime's [`Waiter`] engine. Nothing here names an operation of a
//! particular API.
//!
//! Exit codes are [`Exit`]'s; output goes to stdout, diagnostics and progress to stderr.

mod batch;
mod call;
mod command;
mod output;
mod request;
mod values;

use std::process::ExitCode;

use contractfit_runtime::{Operation, SecurityScheme, Waiter};

/// Re-exported for `command`'s return type.
pub use clap;
pub use output::Exit;

/// The whole tool.
#[derive(Debug)]
pub struct App {
    /// The binary's name (`contractfit`).
    pub name: &'static str,
    pub version: &'static str,
    pub about: &'static str,
    /// Environment variables are `<PREFIX>_BASE_URL`, `<PREFIX>_API_KEY` and so on.
    pub env_prefix: &'static str,
    pub default_base_url: Option<&'static str>,
    pub schemes: &'static [SecurityScheme],
    /// One subcommand group per tag.
    pub groups: &'static [Group],
    /// `upload FILES…`: from an operation with an upload-and-wait declaration.
    pub upload: Option<&'static Upload>,
    /// `wait IDS…`: one command per waiter whose operation takes a single id.
    pub waits: &'static [&'static Wait],
}

/// The operations of one tag.
#[derive(Debug)]
pub struct Group {
    pub name: &'static str,
    pub about: &'static str,
    pub commands: &'static [&'static Command],
}

/// One operation as a command.
#[derive(Debug)]
pub struct Command {
    pub name: &'static str,
    pub operation: &'static Operation,
    /// The document's summary (one line) and description.
    pub about: &'static str,
    pub long_about: &'static str,
    pub path: &'static [PathPart],
    pub args: &'static [Arg],
    pub body: Body,
    pub reply: Reply,
    /// Set for paginated operations: they also get a command that lists every item.
    pub pages: Option<Pages>,
}

/// A piece of an operation's path.
#[derive(Debug, Clone, Copy)]
pub enum PathPart {
    Literal(&'static str),
    /// The value of the argument with this name, escaped as one segment.
    Arg(&'static str),
}

/// A parameter or body field, as a flag (or, for path parameters, a positional argument).
#[derive(Debug)]
pub struct Arg {
    /// The flag's name without dashes (`inbox-id`), unique in its command.
    pub name: &'static str,
    /// The name on the wire (`inbox_id`, `X-Fields`).
    pub wire: &'static str,
    pub place: Place,
    /// For body fields: the body must have it (from the flag or from `--body`).
    pub required: bool,
    /// An array: the flag may be repeated.
    pub many: bool,
    /// A query array sent as one value, its items joined by this (`,` for `explode: false`);
    /// otherwise the name is repeated.
    pub joined_by: Option<&'static str>,
    pub value: ValueKind,
    pub help: &'static str,
    /// The server's default, shown in the help.
    pub default: Option<&'static str>,
}

impl Arg {
    /// An optional argument taking one value, without help or default; the methods below
    /// change that (`const`, so that the generated table stays a `static`).
    pub const fn new(
        name: &'static str,
        wire: &'static str,
        place: Place,
        value: ValueKind,
    ) -> Arg {
        Arg {
            name,
            wire,
            place,
            required: false,
            many: false,
            joined_by: None,
            value,
            help: "",
            default: None,
        }
    }

    pub const fn required(mut self) -> Arg {
        self.required = true;
        self
    }

    pub const fn many(mut self) -> Arg {
        self.many = true;
        self
    }

    pub const fn joined_by(mut self, separator: &'static str) -> Arg {
        self.joined_by = Some(separator);
        self
    }

    pub const fn help(mut self, help: &'static str) -> Arg {
        self.help = help;
        self
    }

    pub const fn default_value(mut self, default: &'static str) -> Arg {
        self.default = Some(default);
        self
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    Path,
    Query,
    Header,
    Cookie,
    /// A top-level field of the JSON body.
    BodyField,
    /// A multipart field sent as text.
    FormText,
    /// A multipart file, read from the path given.
    FormFile,
}

/// What a value must look like; checked before anything is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    String,
    Integer,
    Number,
    Boolean,
    DateTime,
    Date,
    /// One of these values (offered for completion).
    Enum(&'static [&'static str]),
    /// Any JSON text (objects, arrays).
    Json,
    /// A path to a file.
    File,
}

/// The request body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Body {
    None,
    /// JSON, from `--body` and, when `fields` is set, from the body-field flags.
    Json {
        media_type: &'static str,
        required: bool,
        fields: bool,
    },
    /// `multipart/form-data` from the form flags.
    Multipart,
    /// Bytes of one media type, from `--body`.
    Bytes {
        media_type: &'static str,
        required: bool,
    },
}

/// What a 2xx answer holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reply {
    /// JSON, printed pretty on a terminal and compact otherwise.
    Json,
    /// A file: to `--output FILE`, or stdout when it is not a terminal.
    Binary { accept: &'static str },
    /// Undeclared: printed as JSON when it is JSON, as received otherwise.
    Raw,
}

/// Page-number pagination of a command.
#[derive(Debug, Clone, Copy)]
pub struct Pages {
    /// The listing command's name (`list`).
    pub command: &'static str,
    /// Argument names of the page number and page size.
    pub page_arg: &'static str,
    pub size_arg: Option<&'static str>,
    pub first_page: i64,
    /// JSON pointers to the items and to the total count in a page.
    pub items: &'static str,
    pub total: Option<&'static str>,
}

/// Upload files, each with the operation `command`, optionally waiting for each.
#[derive(Debug)]
pub struct Upload {
    pub command: &'static Command,
    /// The file argument the positional paths fill.
    pub file_arg: &'static str,
    /// Boolean form fields forced when waiting (such as `sync = false`).
    pub set_when_waiting: &'static [(&'static str, bool)],
    /// JSON pointer to the new resource's id in the upload's reply.
    pub id_pointer: &'static str,
    pub wait: &'static Wait,
    /// How to look for an upload whose answer was lost, when the API can list uploads.
    pub find: Option<&'static Find>,
}

/// The paginated listing an upload shows in: `command` with the upload's own values and
/// `since_arg` set, each item's name at `name_pointer` and id at `id_pointer`.
#[derive(Debug)]
pub struct Find {
    pub command: &'static Command,
    pub since_arg: &'static str,
    pub name_pointer: &'static str,
    pub id_pointer: &'static str,
    /// The command that streams a document's content, and its argument that takes the id:
    /// a document found by name is taken only if its content is the file's.
    pub content: Option<(&'static Command, &'static str)>,
}

/// Wait for resources, polling `poll` with each id until `waiter` says done.
#[derive(Debug)]
pub struct Wait {
    pub name: &'static str,
    pub about: &'static str,
    pub waiter: &'static Waiter,
    pub poll: &'static Command,
    /// The poll command's argument that takes the id.
    pub id_arg: &'static str,
}

/// The tool's command tree, as `clap` sees it (for completions, man pages, or checks).
pub fn command(app: &'static App) -> clap::Command {
    command::build(app)
}

/// Runs the tool on arguments already parsed by [`command`] (what [`main`] does after parsing;
/// for tests and for programs that embed the tool).
pub async fn run(app: &'static App, matches: clap::ArgMatches) -> Exit {
    call::run(app, matches).await
}

/// Runs the tool with the process's arguments and returns its exit code.
pub fn main(app: &'static App) -> ExitCode {
    // Help, versions and usage errors printed by clap, without its panic when the output is
    // closed.
    let matches = match command::build(app).try_get_matches() {
        Ok(matches) => matches,
        Err(error) => {
            let _ = error.print();
            return ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(2));
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            output::say(format_args!("error: cannot start the async runtime: {e}"));
            return Exit::Local.into();
        }
    };
    runtime.block_on(call::run(app, matches)).into()
}
