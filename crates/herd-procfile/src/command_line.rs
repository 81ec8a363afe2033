//! How a Procfile command becomes a program to execute.
//!
//! foreman (Ruby `Process.spawn`) runs a command without a shell when it holds no shell
//! metacharacters, and through `/bin/sh -c` otherwise. herd does the same, and when a shell
//! is needed for a single simple command it prefixes `exec` (the watchexec rule: no `;`, `&`,
//! `|`, newline or parentheses), so that the signal herd sends reaches the program, not a shell
//! that would leave it running.

/// The program and arguments to execute for one command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommandLine {
    /// Executed directly: `argv[0]` looked up in `PATH`.
    Direct(Vec<String>),
    /// Passed to `/bin/sh -c` as this script.
    Shell(String),
}

/// Characters that make Ruby hand a command to the shell.
const SHELL_META: &[char] = &[
    '*', '?', '{', '}', '[', ']', '<', '>', '(', ')', '~', '&', '|', '\\', '$', ';', '\'', '`',
    '"', '\n', '#', '=', '%',
];

/// Words that only mean something to a shell.
const SHELL_WORDS: &[&str] = &[
    "!", ".", ":", "break", "case", "cd", "continue", "do", "done", "elif", "else", "esac", "eval",
    "exec", "exit", "export", "fi", "for", "if", "in", "readonly", "return", "set", "shift",
    "source", "then", "times", "trap", "unset", "until", "while", "alias", "ulimit", "umask",
    "wait",
];

/// Characters after which `exec CMD` would change the meaning of the script.
const COMPOUND: &[char] = &[';', '&', '|', '\n', '(', ')', '{', '}', '`'];

impl CommandLine {
    /// Chooses how to run `command` (already `$VAR`-expanded).
    pub fn new(command: &str) -> Self {
        let words: Vec<&str> = command
            .split([' ', '\t'])
            .filter(|w| !w.is_empty())
            .collect();
        let first = words.first().copied().unwrap_or("");
        if !words.is_empty() && !command.contains(SHELL_META) && !SHELL_WORDS.contains(&first) {
            return Self::Direct(words.into_iter().map(str::to_owned).collect());
        }
        let simple = !command.contains(COMPOUND)
            && !first.contains('=')
            && !SHELL_WORDS.contains(&first)
            && !first.is_empty();
        if simple {
            Self::Shell(format!("exec {}", command.trim_start()))
        } else {
            Self::Shell(command.to_owned())
        }
    }

    /// The full argument vector (`/bin/sh -c SCRIPT` for shell commands).
    pub fn argv(&self) -> Vec<String> {
        match self {
            Self::Direct(argv) => argv.clone(),
            Self::Shell(script) => vec!["/bin/sh".into(), "-c".into(), script.clone()],
        }
    }
}

/// Expands `$KEY` for every key in `vars` by plain substitution, as foreman's
/// `expanded_command` does, but longest key first so that `$PORT_ADMIN` is not read as
/// `$PORT` + `_ADMIN` (foreman replaces in hash order). `${KEY}` is left to the shell.
pub fn expand(command: &str, vars: &[(String, String)]) -> String {
    let mut keys: Vec<&(String, String)> = vars.iter().filter(|(k, _)| !k.is_empty()).collect();
    keys.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
    let mut out = command.to_owned();
    for (key, value) in keys {
        let pattern = format!("${key}");
        if out.contains(&pattern) {
            out = out.replace(&pattern, value);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn direct(argv: &[&str]) -> CommandLine {
        CommandLine::Direct(argv.iter().map(|s| (*s).to_owned()).collect())
    }

    #[test]
    fn plain_commands_run_without_a_shell() {
        assert_eq!(
            CommandLine::new("bundle exec  puma -p 5000"),
            direct(&["bundle", "exec", "puma", "-p", "5000"])
        );
    }

    #[test]
    fn a_single_command_with_metacharacters_gets_exec() {
        assert_eq!(
            CommandLine::new("echo \"$HOME\" > out"),
            CommandLine::Shell("exec echo \"$HOME\" > out".into())
        );
    }

    #[test]
    fn compound_commands_and_shell_words_run_as_written() {
        for cmd in [
            "a && b",
            "a; b",
            "a | b",
            "(a)",
            "cd x && y",
            "trap '' TERM; sleep 9",
            "FOO=1 cmd",
        ] {
            assert_eq!(
                CommandLine::new(cmd),
                CommandLine::Shell(cmd.into()),
                "{cmd}"
            );
        }
        assert_eq!(
            CommandLine::new("exec foo"),
            CommandLine::Shell("exec foo".into())
        );
    }

    #[test]
    fn argv_wraps_shell_scripts() {
        assert_eq!(
            CommandLine::Shell("a;b".into()).argv(),
            ["/bin/sh", "-c", "a;b"]
        );
    }

    #[test]
    fn expansion_is_plain_substitution_longest_key_first() {
        let vars = vec![
            ("PORT".to_owned(), "5000".to_owned()),
            ("PORT_ADMIN".to_owned(), "9".to_owned()),
            ("PS".to_owned(), "web.1".to_owned()),
        ];
        assert_eq!(
            expand("run -p $PORT -a $PORT_ADMIN --n=$PS ${PORT} $PORTS", &vars),
            "run -p 5000 -a 9 --n=web.1 ${PORT} 5000S"
        );
    }
}
