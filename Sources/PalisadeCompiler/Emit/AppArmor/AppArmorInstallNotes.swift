import PalisadeModel

/// The AppArmor section of INSTALL.md: where the files go, how sessions enter the profile, and
/// what AppArmor cannot do.
enum AppArmorInstallNotes {
    static func render(profileName: String, profileFile: String, hatFile: String?, mode: Mode,
                       plan: AppArmorPlan) -> String {
        let file = profileFile.split(separator: "/").last.map(String.init) ?? profileFile
        var text = """
            `\(profileFile)` holds one AppArmor 3.0 profile, `\(profileName)`, in \(mode == .audit ? "complain" : "enforce") mode \
            (`flags=(\(AppArmorProfileText.flag(mode)))`\(mode == .audit ? "; denials are logged, nothing is blocked" : "")). \
            It is an allowlist: inside it only the policy's allowed executables run (`ix`, so whatever they \
            start is checked again), denied ones are `audit deny … x` (deny wins over any allow and every \
            attempt is logged), and everything else is refused by AppArmor's default deny.

            Install and load (Debian 12: `apt-get install apparmor`; a kernel with AppArmor enabled):

                install -m 0644 \(profileFile) /etc/apparmor.d/\(file)
                apparmor_parser -r /etc/apparmor.d/\(file)

            Check it offline first, without loading anything:
            `apparmor_parser --skip-kernel-load --skip-cache --abort-on-error \(profileFile)`.

            ### How sessions enter the profile


            """
        if plan.loginShells.isEmpty {
            text += """
                The policy names no login shells, so the profile has no attachment: nothing enters it by \
                itself. Put a service under it with `AppArmorProfile=\(profileName)` in its systemd unit, \
                or start a program with `aa-exec -p \(profileName) -- COMMAND`.

                """
        } else {
            let shells = plan.loginShells.map { "`" + Markdown.escape(String(decoding: $0, as: UTF8.self)) + "`" }
            text += """
                The profile attaches to the login shell\(shells.count == 1 ? "" : "s") \(shells.joined(separator: ", ")): \
                whenever an **unconfined** process starts \(shells.count == 1 ? "it" : "one of them") (login, sshd, \
                su, but also cron jobs, systemd units and admins' `sudo -i`), the new process runs under \
                the profile. To confine only some users, give them a dedicated copy of the shell (a real \
                file, not a symlink: AppArmor matches the resolved path), e.g. \
                `cp /usr/bin/bash /usr/local/bin/palisade-bash`, list it in `/etc/shells`, set it with \
                `chsh`, and name that path in the policy's `LinuxConfinement(loginShells:)`. \
                `AppArmorProfile=\(profileName)` and `aa-exec -p \(profileName)` work as well.

                """
        }
        if let hatFile {
            let hatName = hatFile.split(separator: "/").last.map(String.init) ?? hatFile
            text += """

                `\(hatFile)` is a pam_apparmor hat (`^\(AppArmorProfileText.hatName)`) with the same rules. It \
                is not a profile: install it as `/etc/apparmor.d/hats/\(hatName)` (subdirectories are not \
                loaded as profiles) and add `include <hats/\(hatName)>` inside the profile that confines \
                the PAM service (sshd, login; Debian ships none, and unconfined processes cannot change \
                hat). Then install `libpam-apparmor` and add \
                `session optional pam_apparmor.so order=user,group,default` to that service's PAM \
                stack: users without a hat of their own name or group land in `\(AppArmorProfileText.hatName)`.

                """
        }
        text += """

            Roll out in complain mode first and keep an unconfined way in for administrators (a \
            console login with another shell): an enforced profile on everyone's login shell can lock \
            users out. A confined session running as root can still change the host's configuration \
            (users' shells, PAM, units) and so leave the profile at its next login: confine users, not \
            root.

            ### What the profile grants besides the policy

            No abstraction is included. `abstractions/base` grants `mrixwlk` on `@{HOME}/.Private/**` \
            (write and run anything there), and `abstractions/base.d` files could add more, so the \
            profile carries its own runtime rules instead: read, write, lock and link anywhere \
            (this is an exec allowlist, not a file-access policy); map code executable (`m`) only from \
            shared libraries (`/{usr/,}lib{,32,64,x32}/**.so*`) and from the policy's own allowed \
            files; capabilities except `mac_admin`, `mac_override` and `sys_module`; network, signals, \
            unix sockets and D-Bus; ptrace reads, and tracing only of processes in the same profile. \
            No mount, pivot_root or change_profile. Where code may run or be mapped (allowed files and \
            directories, shared libraries) the profile denies writing and linking, and the directories \
            above allowed files cannot be renamed or removed, so no one inside the profile can put \
            other code at an allowed path.

            ### What AppArmor cannot check

            - AppArmor matches **paths**, never content: an allowed path runs whatever file is there. \
            Hash-only rules are left out of the profile (the build warns about each); `palisade verify` \
            checks hashes on the host.
            - Paths are matched after symlinks are resolved. On merged-/usr hosts (Debian 12) `/bin`, \
            `/sbin` and `/lib*` are symlinks into `/usr`, so a rule for `/bin/x` would never match: every \
            rule under those directories is emitted both as written and under `/usr` (on an unmerged \
            host the second spelling names the same program or nothing). Other symlinks, such as \
            `/etc/alternatives` (`/usr/bin/awk` → `/usr/bin/mawk`), are not followed: name the real file \
            in the policy.
            - Scripts run under the profile too: the script itself needs the allow (it gets `r` so its \
            interpreter can read it). AppArmor checks an exec once, on the script's path; the \
            interpreter named on its `#!` line is opened as part of that exec and needs no rule of its \
            own. Running `sh script` by hand needs `sh` allowed, and allowing an interpreter (bash, \
            python, perl) allows whatever code it is given.

            """
        return text
    }
}
