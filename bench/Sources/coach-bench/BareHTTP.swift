import ArgumentParser
import CoachCore
import Foundation
import Hummingbird

/// The ceiling for the REST benchmark: the same Hummingbird version and JSON work as the edge
/// (decode the body, encode an answer of the same size), with no gRPC hop and no store.
struct BareHTTP: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bare-http", abstract: "Serve GET /bare and POST /bare on a bare Hummingbird router.")

    @Option(help: "Port to listen on (127.0.0.1).") var port = 8090
    @Option(help: "A JSON file GET /bare answers with (a stored resume as the edge returns it).")
    var body: String

    func run() async throws {
        let document = try JSONDecoder().decode(JSONValue.self, from: Data(contentsOf: URL(fileURLWithPath: body)))
        let router = Router()
        router.get("/bare") { _, _ -> Response in
            let bytes = try JSONEncoder.coach.encode(document)
            return Response(
                status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        router.post("/bare") { request, _ -> Response in
            let received = try await request.body.collect(upTo: 256 * 1024)
            let value = try JSONDecoder().decode(JSONValue.self, from: Data(received.readableBytesView))
            let bytes = try JSONEncoder.coach.encode(value)
            return Response(
                status: .created, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
        try await app.runService()
    }
}
