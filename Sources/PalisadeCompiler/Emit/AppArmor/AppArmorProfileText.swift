import PalisadeModel

/// The text of the profile and of the optional pam_apparmor hat, from an ``AppArmorPlan``.
///
/// Values from the policy reach the text only through ``AppArmorPattern/appendText(to:)`` (quoted, octal-
/// escaped) and ``AppArmorEncoding/comment(_:)``; the profile name is checked by the emitter.
enum AppArmorProfileText {
    /// Where shared libraries live; the only place outside the policy's own code that may be
    /// mapped executable (`m` is as powerful as `ix`).
    static let libraryPattern = "/{usr/,}lib{,32,64,x32}/**.so*"

    /// The name of the pam_apparmor hat (`order=…,default` falls back to it).
    static let hatName = "DEFAULT"

    /// `abi`, then one profile: `profile NAME [ATTACHMENT] flags=(MODE) { … }`.
    static func profile(name: String, customerID: String, mode: Mode, plan: AppArmorPlan) -> [UInt8] {
        var text = """
            # Palisade AppArmor profile for customer '\(AppArmorEncoding.comment(customerID))'. Generated: do not edit,
            # change the policy and rebuild. Mode: \(mode.rawValue). How sessions enter it: see INSTALL.md.
            abi <abi/3.0>,


            """
        var header = "profile \(name)"
        if let attachment = attachment(plan.loginShells) { header += " " + attachment }
        header += " flags=(\(flag(mode))) {\n"
        text += header
        return Array(text.utf8) + body(plan, indent: "  ") + Array("}\n".utf8)
    }

    /// A hat for inclusion inside the PAM service's profile (pam_apparmor changes to it at login).
    static func hat(customerID: String, mode: Mode, plan: AppArmorPlan) -> [UInt8] {
        var text = """
            # Palisade pam_apparmor hat for customer '\(AppArmorEncoding.comment(customerID))'. Generated: do not edit.
            # Not a profile: include it inside the profile of the PAM service (sshd, login); see INSTALL.md.

            """
        text += "^\(hatName) flags=(\(flag(mode))) {\n"
        return Array(text.utf8) + body(plan, indent: "  ") + Array("}\n".utf8)
    }

    static func flag(_ mode: Mode) -> String { mode == .audit ? "complain" : "enforce" }

    /// One quoted attachment matching every login shell: `"/usr/bin/bash"`, or an alternation
    /// `"/{usr/bin/bash,usr/local/bin/x}"` whose branches are encoded literals.
    static func attachment(_ shells: [[UInt8]]) -> String? {
        guard !shells.isEmpty else { return nil }
        if shells.count == 1 { return AppArmorEncoding.quoted(shells[0]) }
        let branches = shells.map { AppArmorEncoding.escaped($0.dropFirst()) }
        return "\"/{" + branches.joined(separator: ",") + "}\""
    }

    static func body(_ plan: AppArmorPlan, indent: String) -> [UInt8] {
        var text = ByteBuffer(capacity: 4096 + plan.allows.count * 160 + plan.writeProtected.count * 80)
        /// One line: indented, or empty.
        func line(_ a: String, _ b: String = "", _ c: String = "", _ d: String = "") {
            if a.isEmpty && b.isEmpty { text.append(0x0A); return }
            text.appendUTF8(indent)
            text.appendUTF8(a)
            text.appendUTF8(b)
            text.appendUTF8(c)
            text.appendUTF8(d)
            text.append(0x0A)
        }
        func comment(_ message: String) { line("# ", AppArmorEncoding.comment(message)) }
        /// `<indent><prefix>"<pattern>"<rest>`, the pattern written straight into the text.
        func rule(_ prefix: String, _ pattern: AppArmorPattern, _ rest: String, _ more: String = "", _ end: String = "") {
            text.appendUTF8(indent)
            text.appendUTF8(prefix)
            pattern.appendText(to: &text)
            text.appendUTF8(rest)
            text.appendUTF8(more)
            text.appendUTF8(end)
            text.append(0x0A)
        }
        func sources(_ locations: [SourceLocation]) -> String {
            if locations.count == 1 { return locations[0].description }
            var seen = Set<SourceLocation>()
            return locations.sorted().filter { seen.insert($0).inserted }.map(\.description).joined(separator: ", ")
        }
        /// `# file:line` above a rule; written straight into the text in the usual case (one
        /// location, a printable ASCII file name, which ``AppArmorEncoding/comment(_:)`` keeps).
        func sourcesComment(_ locations: [SourceLocation]) {
            guard locations.count == 1, locations[0].file.allUTF8Bytes(satisfy: { $0 >= 0x20 && $0 < 0x7F }) else {
                comment(sources(locations))
                return
            }
            text.appendUTF8(indent)
            text.appendUTF8("# ")
            text.appendUTF8(locations[0].file)
            text.append(UInt8(ascii: ":"))
            text.appendDecimal(locations[0].line)
            text.append(0x0A)
        }

        comment("Runtime. No abstraction is included: abstractions/base grants mrixwlk on @{HOME}/.Private/**")
        comment("(write and run anything there) and host-local base.d files could add more exec rights.")
        comment("This profile restricts what runs, not what is read or written:")
        line("/{,**} rwlk,")
        comment("Code may be mapped executable (m, as powerful as ix) from shared libraries only.")
        line(libraryPattern, " m,")
        comment("Other classes: everything except what would let a session leave the profile. No mount,")
        comment("umount, pivot_root or change_profile rules (a bind mount over an allowed path bypasses it).")
        line("capability,")
        line("audit deny capability mac_admin,")
        line("audit deny capability mac_override,")
        line("audit deny capability sys_module,")
        line("network,")
        line("signal,")
        line("unix,")
        line("dbus,")
        line("ptrace (read, readby, tracedby),")
        line("ptrace (trace) peer=@{profile_name},")

        line("")
        comment("Allowed: ix, so whatever these start is checked against this profile again.")
        for (pattern, allow) in plan.allows.sorted() {
            sourcesComment(allow.sources)
            rule("", pattern, " ", allow.permissions, ",")
        }
        if !plan.loginShells.isEmpty {
            comment("Login shells the profile attaches to.")
            for shell in plan.loginShells { line(AppArmorEncoding.quoted(shell), " ix,") }
        }

        if !plan.denies.isEmpty {
            line("")
            comment("Denied: deny wins over any allow, and audit logs every attempt.")
            for (pattern, locations) in plan.denies.sorted() {
                sourcesComment(locations)
                rule("audit deny ", pattern, " x,")
            }
        }

        line("")
        comment("Where code may run or be mapped, nothing may be written, linked, renamed or removed.")
        line("audit deny ", libraryPattern, " wl,")
        for (pattern, _) in plan.writeProtected.sorted() { rule("audit deny ", pattern, " wl,") }
        for (directory, _) in plan.protectedAncestors.sorted(by: { ByteOrder.precedes($0, $1) == true }) {
            line("audit deny ", AppArmorEncoding.quoted(directory), " w,")
        }

        return text.array
    }
}
