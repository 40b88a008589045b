import Foundation
import PackagePlugin

/// Generates `PolicyRegistry` for the policies module from its Swift files, so a customer that is
/// declared is always registered (and one that cannot be registered fails the build).
@main
struct RegistryPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        guard let module = target as? SourceModuleTarget else { return [] }
        let inputs = module.sourceFiles(withSuffix: "swift").map(\.url)
        let output = context.pluginWorkDirectoryURL.appendingPathComponent("PolicyRegistry.swift")
        return [
            .buildCommand(
                displayName: "Registering the customers in \(target.name)",
                executable: try context.tool(named: "palisade-registry").url,
                arguments: [output.path] + inputs.map(\.path),
                inputFiles: inputs,
                outputFiles: [output])
        ]
    }
}
