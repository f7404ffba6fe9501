import CoachCore
import CoachGeneration
import CoachStore
import CoachPractice
import CoachProtos
import CoachWire
import Foundation
import GRPCCore
import SwiftProtobuf

/// `interviewcoach.v1.PracticeService`: answer evaluation, and practice sessions over a
/// bidirectional stream driven by `PracticeOperations`, in the caller's tenant.
public struct PracticeGRPCService: Interviewcoach_V1_PracticeService.SimpleServiceProtocol {
    let operations: PracticeOperations

    public init(operations: PracticeOperations) {
        self.operations = operations
    }

    private var resumes: any ResumeLookup { operations.questions.resumes }

    /// What a question and an answer may be.
    public enum Limits {
        public static let questionLength = 2000
        public static let keyPoints = 10
        public static let keyPointLength = 500
        public static let answerLength = 10_000
        /// `type` and `difficulty`.
        public static let label = 50
    }

    public func evaluateAnswer(
        request: Interviewcoach_V1_EvaluateAnswerRequest, context: ServerContext
    ) async throws -> Interviewcoach_V1_AnswerEvaluation {
        let question = Question(proto: request.question)
        var violations: [FieldViolation] = []
        if !request.hasQuestion || TextRules.isBlank(question.question) {
            violations.append(FieldViolation(field: "question.question", message: "field required"))
        } else if TextRules.length(question.question) > Limits.questionLength {
            violations.append(FieldViolation(field: "question.question", message: "at most \(Limits.questionLength) characters"))
        }
        for (field, value, limit) in [
            ("question.topic", question.topic, Limits.keyPointLength), ("question.type", question.type, Limits.label),
            ("question.difficulty", question.difficulty, Limits.label),
        ] where TextRules.length(value) > limit {
            violations.append(FieldViolation(field: field, message: "at most \(limit) characters"))
        }
        if question.whatGoodAnswersCover.count > Limits.keyPoints {
            violations.append(FieldViolation(field: "question.what_good_answers_cover", message: "at most \(Limits.keyPoints) items"))
        }
        for (index, point) in question.whatGoodAnswersCover.enumerated() where TextRules.length(point) > Limits.keyPointLength {
            violations.append(
                FieldViolation(field: "question.what_good_answers_cover[\(index)]", message: "at most \(Limits.keyPointLength) characters"))
        }
        if TextRules.length(request.answer) > Limits.answerLength {
            violations.append(FieldViolation(field: "answer", message: "at most \(Limits.answerLength) characters"))
        }
        var language: Language?
        if !request.language.isEmpty {
            language = Language(rawValue: request.language)
            if language == nil { violations.append(FieldViolation(field: "language", message: "must be ko or en")) }
        }
        if !violations.isEmpty { throw CoachError.validation(violations) }
        let resume = request.uniqueKey.isEmpty
            ? nil : try await resumes.resume(tenant: RPCCaller.current.tenant, uniqueKey: request.uniqueKey).content
        let evaluation = try await operations.evaluate(
            EvaluationRequest(
                question: question, answer: request.answer, language: language, resume: resume,
                provider: request.provider.isEmpty ? nil : request.provider),
            keyID: RPCCaller.current.limitedKeyID)
        return evaluation.proto
    }
}

extension AnswerEvaluation {
    /// The evaluation as a message.
    public var proto: Interviewcoach_V1_AnswerEvaluation {
        var message = Interviewcoach_V1_AnswerEvaluation()
        message.score = Int32(score)
        message.band = band.rawValue
        message.criteria = criteria.map { criterion in
            var item = Interviewcoach_V1_CriterionScore()
            item.criterion = criterion.criterion.rawValue
            item.score = Int32(criterion.score)
            item.weight = Int32(criterion.weight)
            item.comment = criterion.comment
            return item
        }
        message.keyPoints = keyPoints.map { point in
            var item = Interviewcoach_V1_KeyPoint()
            item.point = point.point
            item.covered = point.covered
            item.evidence = point.evidence ?? ""
            return item
        }
        message.feedback = feedback
        message.strongAnswerOutline = strongAnswerOutline
        message.groundedInResume = groundedInResume
        message.resumeEvidence = resumeEvidence
        message.followUp = followUp ?? ""
        message.answerKind = answerKind.rawValue
        message.rubricVersion = rubricVersion
        message.provider = provider
        message.model = model
        message.evaluatedAt = Google_Protobuf_Timestamp(date: evaluatedAt)
        return message
    }
}
