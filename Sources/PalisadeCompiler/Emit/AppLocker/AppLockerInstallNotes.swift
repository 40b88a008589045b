import PalisadeModel

/// The AppLocker section of INSTALL.md.
enum AppLockerInstallNotes {
    static func render(customer: ResolvedCustomer, path: String, enforcement: String,
                       added: [AppLockerCollection: String]) -> String {
        var text = """
            `\(path)` is a complete AppLocker policy (UTF-8 XML). Rule collections are in
            **\(enforcement)** mode (`AuditOnly`: nothing is blocked, event 8003/8006/8021 logs what
            would be; `Enabled`: enforced).

            Import it on a single host (elevated PowerShell), then check what is in force:

                Set-AppLockerPolicy -XmlPolicy .\\\(customer.id).xml
                Get-AppLockerPolicy -Effective -Xml

            `Set-AppLockerPolicy` replaces the local policy; add `-Merge` to keep existing rules. For
            a domain, import the file into a GPO (Group Policy Management Editor: Computer
            Configuration > Policies > Windows Settings > Security Settings > Application Control
            Policies > AppLocker > Import Policy, or `Set-AppLockerPolicy -XmlPolicy … -Ldap
            "LDAP://CN={GPO-GUID},CN=Policies,CN=System,DC=…"`). GPO rules merge with other GPOs'
            rules. AppLocker enforces only with the Application Identity service running
            (`sc.exe config AppIDSvc start= auto`, then `Start-Service AppIDSvc`), on Enterprise or
            Education editions (Pro through MDM only). Test one file with
            `Test-AppLockerPolicy -XmlPolicy .\\\(customer.id).xml -Path C:\\path\\app.exe -User Everyone`.

            ### Rules Palisade added

            As soon as a rule collection has one rule, AppLocker blocks every file of that kind it
            does not allow. So that this cannot lock Windows out:

            """
        text += "\n| collection | added |\n|---|---|\n"
        for collection in AppLockerCollection.allCases {
            if let what = added[collection] { text += "| \(collection.rawValue) | \(what) |\n" }
        }
        text += """

            - **default rules** (a collection where the policy allows something): Everyone may run
              files in Program Files and in the Windows folder, except the Windows folders standard
              users can write to (`%WINDIR%\\Temp`, `%WINDIR%\\Tasks`, `%SYSTEM32%\\spool\\drivers\\color`…);
              local Administrators may run everything. For Msi: signed installers, `%WINDIR%\\Installer`,
              administrators; for Appx: signed packaged apps. Without them, Windows' own programs
              and administrators would be blocked. To leave them out (because the policy or another
              GPO already brings equivalents), set `appLockerDefaultRules: false` on the customer
              in its policy file and rebuild.
            - **allow everything not denied** (a collection where the policy only denies): one `*`
              rule for Everyone, so that only the denied files are blocked.

            Hash rules use AppLocker's SHA256 hash: the Authenticode image hash for PE files
            (computed by Palisade on Linux, equal to `Get-AppLockerFileInformation`'s), the flat
            SHA-256 for scripts. Any update of a file changes its hash, and so does signing a
            script (signing a PE file does not); publisher rules survive updates. Path rules are weak (anything copied there runs); prefer hashes or publishers.

            """
        return text
    }
}
