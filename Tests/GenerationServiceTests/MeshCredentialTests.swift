import CoachWire
import GRPCCore
import GRPCInProcessTransport
import GenerationService
import Testing

@Suite struct MeshCredentialTests {
    /// service-lifecycle describes the services it runs in debug logs; what they hold must not
    /// print the admin key.
    @Test func servicesHoldingTheCredentialNeverPrintIt() {
        let secret = "the-admin-key-0123456789"
        let client = GRPCClient(transport: InProcessTransport().client)
        let lookup = GRPCResumeLookup(client: client, credential: MeshCredential(secret))
        let dependent = GRPCResumeDependentData(InterviewWire.self, client: client, credential: MeshCredential(secret))
        for text in [String(describing: lookup), String(reflecting: lookup), String(describing: dependent), "\(MeshCredential(secret))"] {
            #expect(!text.contains(secret))
        }
        #expect(AccessMetadata.onBehalf(of: .default, credential: MeshCredential(secret))[stringValues: "authorization"].first {
            _ in true
        } == "Bearer \(secret)")
    }
}
