import PalisadeDSL

/// Northwind MSP's own baseline, part of every customer: our management agent is allowed
/// everywhere, and remote-access tools commonly abused against MSP customers are denied
/// everywhere (CISA et al., AA22-131A).
struct MSPBaseline: Baseline {
    var body: [any PolicyComponent] {
        Linux {
            Allow.binary("examples/artifacts/linux/msp-agent", at: "/opt/northwind/bin/msp-agent",
                         reason: "MSP management agent", owner: "northwind-secops")
            Deny.binary("examples/artifacts/linux/remote-support-tool", at: "/usr/local/bin/remote-support",
                        reason: "unapproved remote-access tool", owner: "northwind-secops", ticket: "SEC-101")
            Deny.path("/usr/bin/anydesk", reason: "remote-access tool not approved by the MSP")
            Deny.directory("/opt/teamviewer", reason: "remote-access tool not approved by the MSP")
        }
        Windows {
            Allow.binary("examples/artifacts/windows/msp-agent.ps1", at: #"%PROGRAMFILES%\Northwind\msp-agent.ps1"#,
                         reason: "MSP management agent", owner: "northwind-secops")
            Deny.path(#"%PROGRAMFILES%\AnyDesk\AnyDesk.exe"#, reason: "remote-access tool not approved by the MSP")
            Deny.directory(#"%PROGRAMFILES%\TeamViewer"#, reason: "remote-access tool not approved by the MSP")
        }
    }
}
