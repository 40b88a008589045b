import PalisadeModel

/// The rules added so a policy cannot lock Windows out.
///
/// AppLocker denies everything a collection does not allow as soon as the collection has one
/// rule. So:
/// - a collection where the policy **allows** something is an allowlist; unless the customer
///   sets `appLockerDefaultRules: false`, it gets the standard default rules: Everyone may run
///   what is in Program Files and in the Windows folder, and local Administrators (S-1-5-32-544)
///   may run everything. Rules identical to Microsoft's built-in default rules keep Microsoft's
///   Ids. The Windows-folder rule differs from Microsoft's: it has exceptions for the folders
///   under %WINDIR% that standard users can write to (from the UltimateAppLockerByPassList and
///   AaronLocker lists), so it gets a Palisade Id.
/// - a collection where the policy only **denies** is a denylist: it gets one rule allowing
///   everything to Everyone (`*`), so only what is denied is blocked.
enum AppLockerDefaultRules {
    static let everyone = "S-1-1-0"
    static let administrators = "S-1-5-32-544"

    /// Folders under %WINDIR% (and System32/SysWOW64) that standard users can write to, hence
    /// exceptions to the Windows-folder allow rule.
    static let userWritableWindowsFolders = [
        #"%WINDIR%\Tasks\*"#,
        #"%WINDIR%\Temp\*"#,
        #"%WINDIR%\tracing\*"#,
        #"%WINDIR%\Registration\CRMLog\*"#,
        #"%SYSTEM32%\Tasks\*"#,
        #"%SYSTEM32%\com\dmp\*"#,
        #"%SYSTEM32%\FxsTmp\*"#,
        #"%SYSTEM32%\Microsoft\Crypto\RSA\MachineKeys\*"#,
        #"%SYSTEM32%\spool\drivers\color\*"#,
        #"%SYSTEM32%\spool\PRINTERS\*"#,
        #"%SYSTEM32%\spool\SERVERS\*"#,
    ]

    static func allowlistDefaults(for collection: AppLockerCollection) -> [AppLockerRule] {
        func path(_ name: String, _ description: String, _ sid: String, _ path: String, _ id: String?,
                  exceptions: [String] = []) -> AppLockerRule {
            AppLockerRule(collection: collection, action: .allow, sid: sid, name: name, description: description,
                          condition: .path(path), exceptions: exceptions.map { .path($0) }, fixedID: id)
        }
        func anySigned(_ name: String, _ description: String, _ id: String) -> AppLockerRule {
            AppLockerRule(collection: collection, action: .allow, sid: everyone, name: name, description: description,
                          condition: .publisher(name: "*", product: "*", binary: "*", low: "0.0.0.0", high: "*"),
                          fixedID: id)
        }
        let windowsFolder = "(Palisade default rule) Files in the Windows folder, except user-writable folders"
        let windowsDescription = "Allows Everyone to run files in the Windows folder, except in its folders that standard users can write to. Added by Palisade so the allowlist does not lock Windows out."
        switch collection {
        case .exe:
            return [
                path("(Default Rule) All files located in the Program Files folder",
                     "Allows members of the Everyone group to run applications that are located in the Program Files folder.",
                     everyone, #"%PROGRAMFILES%\*"#, "921cc481-6e17-4653-8f75-050b80acca20"),
                path(windowsFolder, windowsDescription, everyone, #"%WINDIR%\*"#, nil, exceptions: userWritableWindowsFolders),
                path("(Default Rule) All files", "Allows members of the local Administrators group to run all applications.",
                     administrators, "*", "fd686d83-a829-4351-8ff4-27c7de5755d2"),
            ]
        case .script:
            return [
                path("(Default Rule) All scripts located in the Program Files folder",
                     "Allows members of the Everyone group to run scripts that are located in the Program Files folder.",
                     everyone, #"%PROGRAMFILES%\*"#, "06dce67b-934c-454f-a263-2515c8796a5d"),
                path(windowsFolder, windowsDescription, everyone, #"%WINDIR%\*"#, nil, exceptions: userWritableWindowsFolders),
                path("(Default Rule) All scripts", "Allows members of the local Administrators group to run all scripts.",
                     administrators, "*", "ed97d0cb-15ff-430f-b82c-8d7832957725"),
            ]
        case .dll:
            return [
                path("(Default Rule) All DLLs located in the Program Files folder",
                     "Allows members of the Everyone group to load DLLs that are located in the Program Files folder.",
                     everyone, #"%PROGRAMFILES%\*"#, "3737732c-99b7-41d4-9037-9cddfb0de0d0"),
                path(windowsFolder, windowsDescription, everyone, #"%WINDIR%\*"#, nil, exceptions: userWritableWindowsFolders),
                path("(Default Rule) All DLLs", "Allows members of the local Administrators group to load all DLLs.",
                     administrators, "*", "fe64f59f-6fca-45e5-a731-0f6715327c38"),
            ]
        case .msi:
            return [
                anySigned("(Default Rule) All digitally signed Windows Installer files",
                          "Allows members of the Everyone group to run digitally signed Windows Installer files.",
                          "b7af7102-efde-4369-8a89-7a6a392d1473"),
                path(#"(Default Rule) All Windows Installer files in %systemdrive%\Windows\Installer"#,
                     #"Allows members of the Everyone group to run all Windows Installer files located in %systemdrive%\Windows\Installer."#,
                     everyone, #"%WINDIR%\Installer\*"#, "5b290184-345a-4453-b184-45305f6d9a54"),
                path("(Default Rule) All Windows Installer files",
                     "Allows members of the local Administrators group to run all Windows Installer files.",
                     administrators, "*.*", "64ad46ff-0d71-4fa0-a30b-3f3d30c5433d"),
            ]
        case .appx:
            return [anySigned("(Default Rule) All signed packaged apps",
                              "Allows members of the Everyone group to run packaged apps that are signed.",
                              "a9e18c21-ff8f-43cf-b9fc-db40eed693ba")]
        }
    }

    /// The one rule that turns a deny-only collection into a denylist.
    /// (Packaged apps take publisher conditions only, so Appx gets "any publisher" instead of `*`.)
    static func denylistAllowAll(for collection: AppLockerCollection) -> AppLockerRule {
        AppLockerRule(collection: collection, action: .allow, sid: everyone,
                      name: "(Palisade) Everything not denied",
                      description: "This collection only denies; without an allow rule AppLocker would block every file of this kind. Added by Palisade.",
                      condition: collection == .appx
                          ? .publisher(name: "*", product: "*", binary: "*", low: "*", high: "*") : .path("*"))
    }
}
