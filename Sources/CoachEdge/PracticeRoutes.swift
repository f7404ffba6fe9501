import CoachCore
import CoachProtos
import CoachWire
import Foundation
import GRPCCore
import Hummingbird

/// `/api/v1/practice/...` over `PracticeService` (generate scope).
struct PracticeRoutes<Transport: ClientTransport> {
    let client: Interviewcoach_V1_PracticeService.Client<Transport>

    func register(on table: inout RouteTable) {
        table.add(
            EdgeRoute(
                method: .post, path: "/api/v1/practice/evaluate", tag: "practice",
                summary: "Evaluate one answer to one question against the rubric (docs/RUBRIC.md)",
                requestSchema: "EvaluateAnswer",
                responses: [
                    200: ("The evaluation", "AnswerEvaluation"), 404: ("Unknown resume (unique_key)", "Error"),
                    422: ("Invalid body", "Error"),
                ]),
            evaluate)
    }

    @Sendable func evaluate(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let body = try decodeRequestBody(EvaluateAnswerBody.self, from: Data(try await request.bodyData(context: context)))
        // gRPC reads an empty string as "not given"; in JSON, leave the field out for that.
        let empty = [("language", body.language), ("unique_key", body.uniqueKey), ("provider", body.provider)].filter { $0.1 == "" }
        if !empty.isEmpty {
            throw CoachError.validation(empty.map { FieldViolation(field: $0.0, message: "must not be empty (leave it out instead)") })
        }
        var message = Interviewcoach_V1_EvaluateAnswerRequest()
        message.question = body.question.proto
        message.answer = body.answer
        message.language = body.language ?? ""
        message.uniqueKey = body.uniqueKey ?? ""
        message.provider = body.provider ?? ""
        var options = CallOptions.defaults
        options.timeout = .seconds(30)
        let evaluation = try await client.evaluateAnswer(message, metadata: context.rpcMetadata, options: options)
        return .json(EvaluationBody(evaluation))
    }
}

/// `POST /api/v1/practice/evaluate`.
struct EvaluateAnswerBody: Decodable {
    var question: Question
    var answer: String
    var language: String?
    var uniqueKey: String?
    var provider: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case question, answer, language, provider
        case uniqueKey = "unique_key"
    }

    enum QuestionKeys: String, CodingKey, CaseIterable {
        case type, difficulty, topic, question
        case whatGoodAnswersCover = "what_good_answers_cover"
    }

    init(from decoder: any Swift.Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let nested = try c.superDecoder(forKey: .question)
        try nested.rejectUnknownKeys(QuestionKeys.self)
        let q = try nested.container(keyedBy: QuestionKeys.self)
        question = Question(
            type: try q.decodeIfPresent(String.self, forKey: .type) ?? "", difficulty: try q.decodeIfPresent(String.self, forKey: .difficulty) ?? "",
            topic: try q.decodeIfPresent(String.self, forKey: .topic) ?? "", question: try q.decode(String.self, forKey: .question),
            whatGoodAnswersCover: try q.decodeIfPresent([String].self, forKey: .whatGoodAnswersCover) ?? [])
        answer = try c.decode(String.self, forKey: .answer)
        language = try c.decodeIfPresent(String.self, forKey: .language)
        uniqueKey = try c.decodeIfPresent(String.self, forKey: .uniqueKey)
        provider = try c.decodeIfPresent(String.self, forKey: .provider)
    }
}

/// An evaluation as REST shows it (the message's fields, snake_case).
struct EvaluationBody: Encodable {
    let message: Interviewcoach_V1_AnswerEvaluation

    init(_ message: Interviewcoach_V1_AnswerEvaluation) { self.message = message }

    struct Criterion: Encodable {
        var criterion: String
        var score: Int32
        var weight: Int32
        var comment: String
    }

    struct KeyPoint: Encodable {
        var point: String
        var covered: Bool
        var evidence: String?
    }

    enum CodingKeys: String, CodingKey {
        case score, band, criteria, feedback, provider, model
        case keyPoints = "key_points"
        case strongAnswerOutline = "strong_answer_outline"
        case groundedInResume = "grounded_in_resume"
        case resumeEvidence = "resume_evidence"
        case followUp = "follow_up"
        case answerKind = "answer_kind"
        case rubricVersion = "rubric_version"
        case evaluatedAt = "evaluated_at"
    }

    func encode(to encoder: any Swift.Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(message.score, forKey: .score)
        try c.encode(message.band, forKey: .band)
        try c.encode(
            message.criteria.map { Criterion(criterion: $0.criterion, score: $0.score, weight: $0.weight, comment: $0.comment) },
            forKey: .criteria)
        try c.encode(
            message.keyPoints.map { KeyPoint(point: $0.point, covered: $0.covered, evidence: $0.evidence.isEmpty ? nil : $0.evidence) },
            forKey: .keyPoints)
        try c.encode(message.feedback, forKey: .feedback)
        try c.encode(message.strongAnswerOutline, forKey: .strongAnswerOutline)
        try c.encode(message.groundedInResume, forKey: .groundedInResume)
        try c.encode(message.resumeEvidence, forKey: .resumeEvidence)
        try c.encode(message.followUp.isEmpty ? nil : message.followUp, forKey: .followUp)
        try c.encode(message.answerKind, forKey: .answerKind)
        try c.encode(message.rubricVersion, forKey: .rubricVersion)
        try c.encode(message.provider, forKey: .provider)
        try c.encode(message.model, forKey: .model)
        try c.encode(message.evaluatedAt.date.rfc3339, forKey: .evaluatedAt)
    }
}
