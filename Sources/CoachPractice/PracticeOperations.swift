import CoachCore
import CoachGeneration
import CoachLLM
import CoachStore
import Foundation

/// The practice use cases, independent of transport: start a session on a resume's question set
/// (the newest, or one generated now), move it with the engine, store it after every step (a
/// disconnect loses nothing), read and list sessions. Everything inside the caller's tenant.
public struct PracticeOperations: Sendable {
    public let sessions: any PracticeSessionStore
    /// Where the questions come from (and the resume, through its lookup).
    public let questions: GenerationOperations<InterviewKind>
    public let engine: PracticeEngine
    private let now: @Sendable () -> Date

    public init(
        sessions: any PracticeSessionStore, questions: GenerationOperations<InterviewKind>, engine: PracticeEngine,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.sessions = sessions
        self.questions = questions
        self.engine = engine
        self.now = now
    }

    /// A new session on `questionSetID` (a set of this resume), or on the resume's newest set,
    /// generated now when it has none (its tokens charged to `keyID`). `language`: of the
    /// feedback (default: the set's).
    public func start(
        tenant: Tenant, uniqueKey: String, questionSetID: String?, language: Language?, provider: String? = nil, keyID: String? = nil
    ) async throws -> PracticeSession {
        if uniqueKey.isEmpty { throw CoachError.badRequest("unique_key is required", field: "unique_key") }
        let provider = provider.flatMap { $0.isEmpty ? nil : $0 }
        // An unknown provider is the client's mistake, said before anything is generated.
        if let provider { _ = try questions.registry.chain(preferring: provider) }
        let resume = try await questions.resumes.resume(tenant: tenant, uniqueKey: uniqueKey)
        let set: QuestionSet
        if let questionSetID, !questionSetID.isEmpty {
            guard let found = try await questions.results.find(tenant: tenant, id: questionSetID), found.uniqueKey == resume.uniqueKey else {
                throw CoachError(
                    .interviewNotFound, "no question set \(questionSetID.prefix(64)) for \(uniqueKey)",
                    details: ["question_set_id": .string(String(questionSetID.prefix(64)))])
            }
            set = found
        } else if let latest = try await questions.results.latest(tenant: tenant, uniqueKey: resume.uniqueKey) {
            set = latest
        } else {
            set = try await questions.generate(
                tenant: tenant, uniqueKey: resume.uniqueKey, options: QuestionOptions(language: language ?? .ko), keyID: keyID)
        }
        var session = PracticeSession(
            id: DocumentID.make(at: now()), tenant: tenant, uniqueKey: resume.uniqueKey, questionSetID: set.id,
            language: language ?? set.record.language, questions: set.questions, at: now())
        session.provider = provider
        try await sessions.insert(session)
        return session
    }

    public func session(tenant: Tenant, id: String) async throws -> PracticeSession {
        guard !id.isEmpty, id.count <= 64, let session = try await sessions.get(tenant: tenant, id: id) else {
            throw CoachError(.notFound, "practice session not found", details: ["session_id": .string(String(id.prefix(64)))])
        }
        return session
    }

    public func list(tenant: Tenant, uniqueKey: String?, pageSize: Int, pageToken: String?) async throws -> Page<PracticeSession> {
        let (limit, cursor) = try PageSize.request(pageSize: pageSize, pageToken: pageToken)
        return try await sessions.list(tenant: tenant, uniqueKey: uniqueKey.flatMap { $0.isEmpty ? nil : $0 }, limit: limit, after: cursor)
    }

    /// What a move on the pending prompt produced, with the session as stored afterwards.
    /// `expectedRevision`: the revision the client last saw (a stream passes it); when the
    /// session moved since, the move was meant for another prompt and is a `CONFLICT`.
    /// `keyID`: the key whose token budget pays for the evaluation (none without keys).
    public func apply(
        _ move: PracticeEngine.Move, tenant: Tenant, sessionID: String, expectedRevision: Int? = nil, keyID: String? = nil
    ) async throws -> (PracticeSession, PracticeEngine.Outcome) {
        if case .answer(let text) = move, TextRules.length(text) > Self.maxAnswerLength {
            throw CoachError.badRequest("an answer is at most \(Self.maxAnswerLength) characters", field: "answer")
        }
        var session = try await session(tenant: tenant, id: sessionID)
        if let expectedRevision, expectedRevision != session.revision { throw CoachError.practiceSessionMoved(session.id) }
        // The resume grounds the evaluation; a resume deleted meanwhile just grounds nothing.
        let resume = try? await questions.resumes.resume(tenant: tenant, uniqueKey: session.uniqueKey).content
        let outcome = try await engine.apply(move, to: &session, resume: resume, at: now())
        if outcome.usage != Usage() { await questions.meter?.record(usage: outcome.usage, keyID: keyID, at: now()) }
        return (try await sessions.update(session), outcome)
    }

    /// One answer evaluated outside a session (its tokens charged to `keyID`). An unknown
    /// provider is a `BAD_REQUEST` naming the configured ones.
    public func evaluate(_ request: EvaluationRequest, keyID: String? = nil) async throws -> AnswerEvaluation {
        if let provider = request.provider { _ = try questions.registry.chain(preferring: provider) }
        let evaluated = try await engine.evaluate(request, at: now())
        if evaluated.usage != Usage() { await questions.meter?.record(usage: evaluated.usage, keyID: keyID, at: now()) }
        return evaluated.evaluation
    }

    /// Ends the session now (a finished one keeps its report).
    public func end(tenant: Tenant, sessionID: String, expectedRevision: Int? = nil) async throws -> (PracticeSession, PracticeReport) {
        var session = try await session(tenant: tenant, id: sessionID)
        if let expectedRevision, expectedRevision != session.revision, session.state != .finished { throw CoachError.practiceSessionMoved(session.id) }
        if session.state == .finished, let report = session.report { return (session, report) }
        let report = PracticeEngine.finish(&session, at: now())
        return (try await sessions.update(session), report)
    }

    public static let maxAnswerLength = 10_000
}

/// A resume's sessions go with it.
extension PracticeOperations: ResumeDependentData {
    public func deleteData(tenant: Tenant, uniqueKey: String) async throws {
        _ = try await sessions.deleteAll(tenant: tenant, uniqueKey: uniqueKey)
    }
}

extension PracticeOperations {
    /// Learning-path options completed from a practice session (`practice_session_id`): the
    /// session's topics to study follow the client's own focus areas, up to the limit. A session
    /// still in progress contributes what its report would say now. An unknown session (or one of
    /// another resume or tenant) is `NOT_FOUND`.
    public static func learningFocus(
        sessions: any PracticeSessionStore
    ) -> @Sendable (Tenant, LearningOptions) async throws -> LearningOptions {
        { tenant, options in
            guard let id = options.practiceSessionID else { return options }
            guard var session = try await sessions.get(tenant: tenant, id: id) else {
                throw CoachError(.notFound, "practice session not found", details: ["session_id": .string(String(id.prefix(64)))])
            }
            let report = session.report ?? PracticeEngine.finish(&session)
            var resolved = options
            for topic in report.topicsToStudy where resolved.focusAreas.count < LearningOptions.maxFocusAreas {
                let area = String(topic.unicodeScalars.prefix(LearningOptions.maxFocusArea).map(Character.init))
                if !resolved.focusAreas.contains(area) { resolved.focusAreas.append(area) }
            }
            return resolved
        }
    }
}
