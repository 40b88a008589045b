import PalisadeModel

/// AppArmor 3.0.8: one allowlist profile per customer (`apparmor/palisade.<customer>`) and, when
/// the policy asks for pam_apparmor, a hat to include in the PAM service's profile
/// (`apparmor/hats/palisade.<customer>`).
///
/// Pure: the plan (``AppArmorPlan``) decides what the profile says, ``AppArmorProfileText``
/// writes it with the encoding of ``AppArmorEncoding``, ``AppArmorInstallNotes`` explains it.
public struct AppArmorEmitter: BackendEmitter {
    public var backend: Backend { .apparmor }
    public init() {}

    public func emit(_ customer: ResolvedCustomer) -> EmitterOutput {
        guard !customer.rules(for: .linux).isEmpty else { return EmitterOutput() }

        let name = "palisade." + customer.id
        guard AppArmorEncoding.isSafeProfileName(customer.id), AppArmorEncoding.isSafeProfileName(name) else {
            return EmitterOutput(diagnostics: [.error(
                "customer id '\(customer.id)' cannot name an AppArmor profile: '\(name)' must match [A-Za-z0-9][A-Za-z0-9._-]*",
                at: customer.location, backend: .apparmor)])
        }
        let plan = AppArmorPlan(customer)
        if plan.diagnostics.hasErrors { return EmitterOutput(diagnostics: plan.diagnostics) }

        let mode = customer.mode(for: .apparmor)
        let profileFile = "apparmor/\(name)"
        var files = [profileFile: AppArmorProfileText.profile(name: name, customerID: customer.id,
                                                              mode: mode, plan: plan)]
        var hatFile: String?
        if customer.linuxConfinement?.pamHat == true {
            hatFile = "apparmor/hats/\(name)"
            files[hatFile!] = AppArmorProfileText.hat(customerID: customer.id, mode: mode, plan: plan)
        }
        let notes = AppArmorInstallNotes.render(profileName: name, profileFile: profileFile, hatFile: hatFile,
                                                mode: mode, plan: plan)
        return EmitterOutput(files: files, diagnostics: plan.diagnostics, installNotes: notes)
    }
}
