import CoachCore
import CoachLLM
import Foundation

/// The offline `builtin` provider: deterministic, personalised, Korean or English output from a
/// curated question bank and learning-topic catalogue, filled with the candidate's own projects,
/// companies, technologies and achievements.
public enum BuiltinGenerator {
    /// Exactly `options.questionCount` questions (clamped to 3...8).
    public static func questions(for resume: ResumeContent, options: QuestionOptions, seed: Int64) -> [Question] {
        var composer = BuiltinQuestionComposer(facts: ResumeFacts(resume), options: options, seed: seed)
        return composer.compose()
    }

    /// A plan of 5 learning items (at least 2 strengths and 2 weaknesses).
    public static func learningPlan(for resume: ResumeContent, options: LearningOptions, seed: Int64) -> LearningPlan {
        var composer = BuiltinLearningComposer(facts: ResumeFacts(resume), options: options, seed: seed)
        return composer.compose()
    }
}
