import PalisadeModel

/// The fapolicyd section of INSTALL.md: where the files go, how 1.1.7 loads them, what the mode means.
enum FapolicydInstallNotes {
    static func render(customerID: String, mode: Mode, hasTrustFile: Bool) -> String {
        let number = FapolicydEmitter.rulesNumber
        let rules = "\(number)-palisade-\(customerID).rules"
        let trust = "palisade-\(customerID)"
        var text = """
            For fapolicyd 1.1.7 (Debian bookworm; built without rpm, so trust comes only from trust files).

            | bundle file | install as (root:root, 0644) |
            |---|---|
            | `fapolicyd/rules.d/\(rules)` | `/etc/fapolicyd/rules.d/\(rules)` |

            """
        if hasTrustFile {
            text += "| `fapolicyd/trust.d/\(trust)` | `/etc/fapolicyd/trust.d/\(trust)` |\n"
        }
        text += """

            Steps, as root:

            0. Installing the package starts the daemon at once, with `permissive = 0` and the stock
               `deny_audit perm=execute all : all`: that blocks every program no trust source lists,
               root's included. Install it stopped (`systemctl mask fapolicyd` before `apt-get install
               fapolicyd`, or a `/usr/sbin/policy-rc.d` that exits 101), then do step 1 before starting it.
            1. For a first deployment set `permissive = 1` in `/etc/fapolicyd/fapolicyd.conf`, and
               `integrity = sha256` (with `none`, the default, a trusted path is trusted whatever its
               content; only `sha256` denies changed content). Make sure `/etc/fapolicyd/fapolicyd.rules`
               does not exist: it takes precedence and makes `fagenrules` refuse to run.
            2. Copy the files above. Keep no backup copy in `trust.d`: fapolicyd reads every file there.
            3. `fagenrules --load` joins `rules.d/*.rules` into `/etc/fapolicyd/compiled.rules`
               (it exits 0 even on errors; `fagenrules --check` must then print `No change`).
            4. `fapolicyd-cli --update` reloads the trust database.
            5. `systemctl unmask fapolicyd` if masked, then `systemctl restart fapolicyd`:
               **1.1.7 needs a restart for rule and configuration changes**; SIGHUP and
               `fagenrules --load` reload only the trust database.
            6. Check with `palisade verify`, read the logs, and only then set `permissive = 0` and
               `systemctl restart fapolicyd` once more (the daemon reads its configuration at start).

            Why number \(number): fagenrules orders `rules.d` by number and the first matching rule wins.
            Debian's package installs one rules file, `90-deny-execute.rules` (`deny_audit perm=execute
            all : all`); at \(number) the fragment comes before it, so Palisade's own final rule decides.
            Nothing else in `rules.d` keeps the system running: the upstream rules numbered 10–77 (dracut
            and package-updater loopholes, the ld_so pattern, ELF, shared-library and interpreter rules)
            and 91/95 are only samples, in `/usr/share/fapolicyd/sample-rules/`. Copy in only those you
            want, knowing that allows numbered below \(number) win over Palisade's denials
            (`20-dracut.rules` allows root running trusted programs anything, `42-trusted-elf.rules`
            every trusted file, `72-shell.rules` every shell script). `trust=1` covers every trust
            source on the host, not only this bundle's file. Denials apply to execution
            (`perm=execute`); a script passed to an interpreter is opened, not executed, and is left to
            the interpreter rules.
            fapolicyd matches the path the kernel resolved: on merged-/usr hosts (Debian 12) that is
            `/usr/bin/x` for `/bin/x`, so every rule and trust entry under `/bin`, `/sbin` or `/lib*` is
            also written under `/usr`. Other links (`/etc/alternatives`) are not followed: name the
            real file in the policy.

            **Lock-out warning:** in enforce mode everything that is not allowed here or trusted
            elsewhere is denied execution, root included: system programs and the dynamic linker must be
            listed (for example through a golden-image tree) before `permissive = 0`.

            """
        text += "\n"
        switch mode {
        case .enforce:
            text += """
                Mode **enforce**: denials use `deny_log` (a syslog line and, with auditd, a FANOTIFY audit
                record), and the fragment ends with `deny_log perm=execute all : all`, because fapolicyd
                allows whatever no rule matched.

                """
        case .audit:
            text += """
                Mode **audit**: the fragment blocks nothing. Every rule that enforce mode would make a denial,
                the final catch-all included, is `allow_log`: the execution is allowed and logged
                (`dec=allow_log` in syslog and, with auditd, a FANOTIFY audit record). This holds even with
                `permissive = 0`, and the catch-all shadows `90-deny-execute.rules`; rules numbered below
                \(number) still decide first, so keep `permissive = 1` while auditing if those could block.

                """
        }
        return text
    }
}
