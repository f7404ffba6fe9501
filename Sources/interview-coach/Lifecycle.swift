import CoachWorker
import GRPCCore
import ServiceLifecycle

/// Runs a gRPC server inside a `ServiceGroup`, draining in-flight calls on graceful shutdown.
struct GRPCServerService<Transport: ServerTransport>: Service {
    let server: GRPCServer<Transport>

    func run() async throws {
        try await withGracefulShutdownHandler {
            try await server.serve()
        } onGracefulShutdown: {
            server.beginGracefulShutdown()
        }
    }
}

/// Runs a gRPC client's connections inside a `ServiceGroup`.
struct GRPCClientService<Transport: ClientTransport>: Service {
    let client: GRPCClient<Transport>

    func run() async throws {
        try await withGracefulShutdownHandler {
            try await client.runConnections()
        } onGracefulShutdown: {
            client.beginGracefulShutdown()
        }
    }
}

/// Runs the background worker: first re-queues what a previous process left unfinished, then
/// consumes jobs until shutdown (interrupted jobs stay unfinished and run again next start).
struct WorkerService: Service {
    let runner: JobRunner
    let recoverOnStart: Bool

    func run() async throws {
        if recoverOnStart { _ = try await runner.recoverUnfinished() }
        await cancelWhenGracefulShutdown {
            await runner.run()
        }
    }
}
