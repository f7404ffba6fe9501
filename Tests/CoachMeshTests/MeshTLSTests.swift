import CoachMesh
import Foundation
import Testing

/// `MeshTLS.check` names the setting that is wrong, in the words the user gave it: `serve`'s flags
/// or the client commands' variables.
@Suite final class MeshTLSTests {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mesh-tls-\(UUID().uuidString)")

    deinit { try? FileManager.default.removeItem(at: folder) }

    func file(_ name: String, _ text: String) throws -> String {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let url = folder.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    func problem(_ tls: MeshTLS, _ names: MeshTLS.SettingNames) -> String? {
        do {
            try tls.check(names)
            return nil
        } catch {
            return error.description
        }
    }

    @Test func noSettingsArePlaintextAndPass() {
        #expect(problem(MeshTLS(), .serve) == nil)
    }

    @Test func aCertificateWithoutItsKeyIsRefusedByTheNamesTheUserGave() {
        #expect(problem(MeshTLS(certificateFile: "/x.pem"), .serve) == "--tls-cert and --tls-key go together")
        #expect(problem(MeshTLS(keyFile: "/x.key"), .environment) == "COACH_TLS_CERT and COACH_TLS_KEY go together")
    }

    @Test func aFileThatCannotBeReadIsNamed() {
        let missing = folder.appendingPathComponent("missing.pem").path
        #expect(problem(MeshTLS(caFile: missing), .environment) == "COACH_TLS_CA: cannot read \(missing)")
        #expect(problem(MeshTLS(certificateFile: missing, keyFile: missing), .serve) == "--tls-cert: cannot read \(missing)")
    }

    @Test func aFileWithoutPEMIsNamedBeforeAnyConnection() throws {
        let text = try file("notes.pem", "not a certificate\n")
        let caProblem = try #require(problem(MeshTLS(caFile: text), .environment))
        #expect(caProblem.hasPrefix("COACH_TLS_CA: \(text) is not a usable PEM CA certificate"))
        let empty = try file("empty.pem", "")
        let emptyProblem = try #require(problem(MeshTLS(caFile: empty), .serve))
        #expect(emptyProblem.hasPrefix("COACH_TLS_CA: "), "an empty file is no CA: \(emptyProblem)")
    }
}
