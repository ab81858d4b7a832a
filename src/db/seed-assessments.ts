import { SEED_COURSES, SEED_SKILLS, seedId } from './seed-rows';

/**
 * Sample quizzes: one per seed skill and one per seed course (10), multiple choice. `npm run db:seed`
 * (and the first start on an empty database) applies them idempotently: ids derive from the title like
 * seed-rows' seedId, a second run changes nothing, and an edited question here updates the row.
 *
 * questions JSON (what the quiz service reads):
 *   [{ id, text, choices: [{ id, text }], answer: '<choice id>', explanation }]
 * metadata: { skill_id? | course_id?, topic, seed: true }
 */
export interface QuizChoice {
  id: string;
  text: string;
}

export interface QuizQuestion {
  id: string;
  text: string;
  choices: QuizChoice[];
  /** the id of the right choice */
  answer: string;
  /** why the right answer is right (shown after a wrong answer) */
  explanation: string;
}

export type AssessmentDifficulty = 'beginner' | 'intermediate' | 'advanced';

export interface SeedAssessment {
  id: string;
  title: string;
  description: string;
  difficulty: AssessmentDifficulty;
  /** minutes */
  time_limit: number;
  passing_score: number;
  questions: QuizQuestion[];
  metadata: { skill_id?: string; course_id?: string; topic: string; seed: true };
}

/** [question, [choice a, b, c, d], right letter, explanation] */
type Q = [text: string, choices: string[], answer: 'a' | 'b' | 'c' | 'd', explanation: string];

function questions(list: Q[]): QuizQuestion[] {
  return list.map(([text, choices, answer, explanation], i) => ({
    id: `q${i + 1}`,
    text,
    choices: choices.map((c, j) => ({ id: 'abcd'[j], text: c })),
    answer,
    explanation,
  }));
}

const skillId = (name: string) => {
  const s = SEED_SKILLS.find((x) => x.name === name);
  if (!s) throw new Error(`seed skill ${name} missing`);
  return s.id;
};
const courseId = (title: string) => {
  const c = SEED_COURSES.find((x) => x.title === title);
  if (!c) throw new Error(`seed course ${title} missing`);
  return c.id;
};

const RAW: Array<
  Omit<SeedAssessment, 'id' | 'passing_score' | 'questions' | 'metadata'> & {
    link: { skill?: string; course?: string };
    topic: string;
    q: Q[];
  }
> = [
  {
    title: 'Python Programming Quiz',
    description: 'Core Python: built-in types, operators, functions and exceptions.',
    difficulty: 'beginner',
    time_limit: 8,
    link: { skill: 'Python Programming' },
    topic: 'python programming',
    q: [
      [
        'What does len([1, 2, 3]) return?',
        ['2', '3', '6', 'An error'],
        'b',
        'len() returns the number of items in a sequence or collection: the list has three items.',
      ],
      [
        'Which of these built-in types is immutable?',
        ['list', 'dict', 'tuple', 'set'],
        'c',
        'A tuple cannot be changed after it is created; lists, dicts and sets can.',
      ],
      [
        'What is the value of 7 // 2 in Python 3?',
        ['3.5', '3', '4', '1'],
        'b',
        '// is floor division: it divides and rounds down to a whole number (3). 7 / 2 would give 3.5.',
      ],
      [
        'Which keyword starts a named function definition?',
        ['func', 'function', 'lambda', 'def'],
        'd',
        'def name(parameters): defines a named function; lambda makes small anonymous functions.',
      ],
      [
        'How do you handle an exception in Python?',
        ['try / except', 'try / catch', 'do / rescue', 'on error resume'],
        'a',
        'Python uses try: ... except SomeError: ...; try/catch is the Java and JavaScript spelling.',
      ],
    ],
  },
  {
    title: 'Machine Learning Quiz',
    description: 'Supervised and unsupervised learning, overfitting and evaluation metrics.',
    difficulty: 'intermediate',
    time_limit: 10,
    link: { skill: 'Machine Learning' },
    topic: 'machine learning',
    q: [
      [
        'Training a model on examples that include the correct output (labels) is called:',
        ['Unsupervised learning', 'Supervised learning', 'Reinforcement learning', 'Clustering'],
        'b',
        'Supervised learning learns a mapping from inputs to known, labelled outputs.',
      ],
      [
        'A model scores very well on its training data but poorly on new data. This is:',
        ['Underfitting', 'Regularisation', 'Overfitting', 'Normalisation'],
        'c',
        'Overfitting: the model memorised the training data, noise included, instead of learning patterns that generalise.',
      ],
      [
        'Which of these is a classification task?',
        [
          'Predicting the price of a house',
          'Predicting whether an email is spam',
          'Grouping customers without labels',
          'Reducing 100 features to 10',
        ],
        'b',
        'Classification predicts a category (spam / not spam); predicting a price is regression; grouping without labels is clustering.',
      ],
      [
        'Why do you keep a test set that the model never sees during training?',
        [
          'To train faster',
          'To estimate how the model performs on unseen data',
          'To increase the amount of training data',
          'To remove outliers',
        ],
        'b',
        'Performance on data the model never saw is an honest estimate of how it will do in real use.',
      ],
      [
        'k-means is an example of:',
        ['Supervised classification', 'Unsupervised clustering', 'Linear regression', 'A neural network'],
        'b',
        'k-means groups unlabelled points into k clusters around centroids: unsupervised learning.',
      ],
      [
        'Precision is:',
        ['TP / (TP + FP)', 'TP / (TP + FN)', '(TP + TN) / all predictions', 'FP / (FP + TN)'],
        'a',
        'Precision = true positives / everything predicted positive. TP / (TP + FN) is recall.',
      ],
    ],
  },
  {
    title: 'Data Analysis Quiz',
    description: 'Descriptive statistics, choosing charts, correlation and missing data.',
    difficulty: 'intermediate',
    time_limit: 8,
    link: { skill: 'Data Analysis' },
    topic: 'data analysis statistics visualization',
    q: [
      [
        'Which measure of central tendency is least affected by extreme outliers?',
        ['Mean', 'Median', 'Range', 'Sum'],
        'b',
        'The median is the middle value, so a few extreme values barely move it; the mean is pulled towards them.',
      ],
      [
        'Which chart best shows how a value changes over time?',
        ['Pie chart', 'Line chart', 'Scatter plot of unrelated variables', 'Word cloud'],
        'b',
        'A line chart with time on the x-axis makes trends and seasonality easy to see.',
      ],
      [
        'A correlation coefficient of -0.9 between two variables means:',
        [
          'No relationship',
          'A weak positive relationship',
          'A strong negative linear relationship',
          'One variable causes the other to fall',
        ],
        'c',
        'Values near -1 mean a strong negative linear relationship: as one rises, the other tends to fall.',
      ],
      [
        'Your data set has missing values. What should you do first?',
        [
          'Replace them all with 0',
          'Find out why they are missing, then drop or impute them deliberately',
          'Ignore them, the tools handle it',
          'Always delete the whole column',
        ],
        'b',
        'Why data is missing decides the right treatment; blindly filling with 0 or deleting can bias the results.',
      ],
      [
        'Two variables are strongly correlated. What does that tell you?',
        [
          'One causes the other',
          'They move together; causation needs more evidence, e.g. an experiment',
          'The data is wrong',
          'Nothing at all',
        ],
        'b',
        'Correlation is not causation: a third factor or coincidence can explain it.',
      ],
    ],
  },
  {
    title: 'Project Management Quiz',
    description: 'The triple constraint, work breakdown, milestones, risks and the critical path.',
    difficulty: 'beginner',
    time_limit: 6,
    link: { skill: 'Project Management' },
    topic: 'project management',
    q: [
      [
        'The "triple constraint" of project management is:',
        ['People, process, technology', 'Scope, time and cost', 'Plan, do, check', 'Quality, speed, morale'],
        'b',
        'Scope, schedule (time) and cost are linked: changing one affects the others (and quality).',
      ],
      [
        'What is a work breakdown structure (WBS)?',
        [
          'An org chart of the project team',
          'A decomposition of the deliverables into smaller, manageable pieces of work',
          'A list of project risks',
          'The project budget',
        ],
        'b',
        'A WBS breaks the total scope down into work packages that can be estimated, assigned and tracked.',
      ],
      [
        'What is a milestone?',
        [
          'A task that takes a long time',
          'A significant point or event in the schedule, with no duration',
          'A budget line',
          'A team meeting',
        ],
        'b',
        'Milestones mark key events (e.g. "design approved") and take no time themselves.',
      ],
      [
        'What does a risk register record?',
        [
          'Only problems that already happened',
          'Identified risks with their likelihood, impact, owner and planned response',
          "The team's working hours",
          'Signed contracts',
        ],
        'b',
        'A risk register lists risks before they happen, how likely and serious they are, who owns them and what will be done.',
      ],
      [
        'The critical path is:',
        [
          'The list of the most important stakeholders',
          'The longest sequence of dependent tasks, which sets the shortest possible project duration',
          'The cheapest way to deliver the project',
          'The tasks with the most risk',
        ],
        'b',
        'Any delay on a critical-path task delays the whole project, because those tasks have no slack.',
      ],
    ],
  },
  {
    title: 'Communication Quiz',
    description: 'Active listening, feedback, questions and clear written requests.',
    difficulty: 'beginner',
    time_limit: 5,
    link: { skill: 'Communication' },
    topic: 'communication listening feedback',
    q: [
      [
        'Which of these is part of active listening?',
        [
          'Preparing your reply while the other person talks',
          'Paraphrasing what you heard to check you understood',
          'Interrupting to save time',
          'Looking at your phone to take notes',
        ],
        'b',
        'Reflecting back what you heard shows attention and catches misunderstandings early.',
      ],
      [
        'Good constructive feedback is:',
        [
          'General, so it does not feel personal',
          'Specific about the behaviour and its impact',
          'Saved for the annual review',
          'Given in front of the team',
        ],
        'b',
        'Describing the situation, the behaviour and its impact (the SBI model) makes feedback clear and actionable.',
      ],
      [
        'Which is an open question?',
        ['Did you finish the report?', 'Is the deadline Friday?', 'What challenges did you run into?', 'Can you send it today?'],
        'c',
        'Open questions invite explanation; the others can be answered with yes or no.',
      ],
      [
        'You need a decision from a busy stakeholder by email. Where should the request go?',
        ['At the end, after all the background', 'In the first lines, with the deadline', 'In an attachment', 'In the subject line only'],
        'b',
        'Put the bottom line up front: the decision needed and by when, then the background.',
      ],
    ],
  },
  {
    title: 'Leadership Quiz',
    description: 'Delegation, psychological safety, goals and adapting your leadership style.',
    difficulty: 'intermediate',
    time_limit: 6,
    link: { skill: 'Leadership' },
    topic: 'leadership team management',
    q: [
      [
        'Which describes effective delegation?',
        [
          'Hand over the task and never check in',
          'Agree on the outcome, the authority and check-in points, then let the person decide how',
          'Give step-by-step instructions and review every step',
          'Only delegate tasks you dislike',
        ],
        'b',
        'Clear outcomes and authority with agreed check-ins give ownership without losing oversight.',
      ],
      [
        'Psychological safety in a team means:',
        [
          'No one is ever criticised',
          'People believe they can speak up, ask questions and admit mistakes without being punished',
          'Everyone has a permanent contract',
          'The team avoids all risks',
        ],
        'b',
        'Amy Edmondson defines it as a shared belief that the team is safe for interpersonal risk taking.',
      ],
      [
        'What does SMART stand for in goal setting?',
        [
          'Simple, Motivating, Ambitious, Realistic, Timely',
          'Specific, Measurable, Achievable, Relevant, Time-bound',
          'Strategic, Managed, Aligned, Reviewed, Tracked',
          'Specific, Meaningful, Agreed, Rewarded, Tested',
        ],
        'b',
        'Specific, Measurable, Achievable, Relevant and Time-bound goals are clear enough to act on and check.',
      ],
      [
        'Situational leadership suggests that a leader should:',
        [
          'Use one consistent style with everyone',
          "Adapt their style to each person's competence and commitment for the task",
          'Always let the team decide',
          'Always decide alone',
        ],
        'b',
        'A new team member needs more direction; an experienced, motivated one needs more delegation.',
      ],
      [
        "A team member's performance has dropped suddenly. What is the best first step?",
        [
          'Start a formal warning',
          'Talk privately, describe what you have observed and ask what is going on',
          'Reassign their work without comment',
          'Mention it in the team meeting',
        ],
        'b',
        'Start with a private, curious conversation: there may be a cause you can help with.',
      ],
    ],
  },
  {
    title: 'Python Fundamentals Course Quiz',
    description: 'Variables and data types, control structures, functions and modules.',
    difficulty: 'beginner',
    time_limit: 8,
    link: { course: 'Python Fundamentals' },
    topic: 'python basics variables loops functions modules',
    q: [
      [
        'What does type(3.0) return?',
        ["<class 'int'>", "<class 'float'>", "<class 'str'>", "<class 'decimal'>"],
        'b',
        '3.0 has a decimal point, so it is a float.',
      ],
      [
        'What does this print?  for i in range(3): print(i)',
        ['1 2 3', '0 1 2', '0 1 2 3', '3'],
        'b',
        'range(3) yields 0, 1 and 2: it starts at 0 and stops before 3.',
      ],
      [
        'What does a function without a return statement return?',
        ['0', 'An empty string', 'None', 'It raises an error'],
        'c',
        'A Python function that ends without return (or with a bare return) returns None.',
      ],
      [
        'How do you use the sqrt function of the math module?',
        ['include math, then sqrt(16)', 'import math, then math.sqrt(16)', 'using math, then sqrt(16)', "require('math').sqrt(16)"],
        'b',
        'import math makes the module available; its functions are then called as math.sqrt(...). (from math import sqrt also works.)',
      ],
      ['What is the value of "5" + "3"?', ['8', '"53"', '"8"', 'An error'], 'b', 'Adding two strings concatenates them.'],
      [
        'Which statement skips the rest of the current loop iteration and goes on with the next one?',
        ['break', 'pass', 'continue', 'return'],
        'c',
        'continue jumps to the next iteration; break leaves the loop; pass does nothing.',
      ],
    ],
  },
  {
    title: 'Machine Learning Basics Course Quiz',
    description: 'Supervised and unsupervised learning, model evaluation and feature engineering.',
    difficulty: 'intermediate',
    time_limit: 10,
    link: { course: 'Machine Learning Basics' },
    topic: 'machine learning evaluation feature engineering',
    q: [
      [
        'Which of these is unsupervised learning?',
        [
          'Predicting churn from labelled past customers',
          'Clustering customers by purchase behaviour, without labels',
          "Predicting tomorrow's temperature",
          'Classifying images of cats and dogs',
        ],
        'b',
        'Without labels the algorithm has to find structure (clusters) on its own.',
      ],
      [
        'When is accuracy a misleading metric?',
        [
          'When the classes are balanced',
          'When the classes are highly imbalanced, e.g. 99% negatives',
          'When the data set is large',
          'Never',
        ],
        'b',
        'With 99% negatives, a model that always says "negative" is 99% accurate and useless; look at precision, recall or F1.',
      ],
      [
        'Feature scaling (e.g. standardisation) matters most for:',
        ['Decision trees', 'k-nearest neighbours', 'Counting rows', 'Random forests'],
        'b',
        'k-NN compares distances, so a feature with a large range would dominate; tree-based models split on one feature at a time and do not need scaling.',
      ],
      [
        'What does k-fold cross-validation do?',
        [
          'Trains k different algorithms',
          'Splits the data into k parts and trains k times, each time validating on a different part, then averages the scores',
          'Removes k outliers',
          'Uses k features',
        ],
        'b',
        'Every example is used for validation exactly once, giving a more reliable estimate than a single split.',
      ],
      [
        'One-hot encoding is used to:',
        [
          'Scale numbers to [0, 1]',
          'Turn a categorical variable into binary indicator columns',
          'Remove missing values',
          'Reduce the number of features',
        ],
        'b',
        'Each category becomes its own 0/1 column, so models do not read an order into category codes.',
      ],
      [
        'Recall is:',
        ['TP / (TP + FN)', 'TP / (TP + FP)', 'TN / (TN + FP)', '(TP + TN) / all predictions'],
        'a',
        'Recall = true positives / all actual positives: how many of the real positives the model found.',
      ],
    ],
  },
  {
    title: 'Data Analysis with Python Course Quiz',
    description: 'pandas basics, cleaning data and summary statistics.',
    difficulty: 'intermediate',
    time_limit: 8,
    link: { course: 'Data Analysis with Python' },
    topic: 'pandas data analysis python',
    q: [
      [
        'How do you load a CSV file into a pandas DataFrame?',
        ["pd.open_csv('file.csv')", "pd.read_csv('file.csv')", "pd.DataFrame.load('file.csv')", "pd.import('file.csv')"],
        'b',
        'pd.read_csv reads a CSV file into a DataFrame (import pandas as pd first).',
      ],
      [
        'What does df.head() show by default?',
        ['The column names only', 'The first 5 rows', 'The last 5 rows', 'Summary statistics'],
        'b',
        'head() returns the first n rows, 5 unless you pass another number; tail() shows the last ones.',
      ],
      [
        'Which call removes the rows that contain missing values?',
        ['df.dropna()', 'df.fillna()', 'df.isna()', 'df.drop_duplicates()'],
        'a',
        'dropna() drops rows (or columns) with missing values; fillna() replaces them; isna() only flags them.',
      ],
      [
        'How do you get the average salary per department?',
        ["df.mean('dept', 'salary')", "df.groupby('dept')['salary'].mean()", "df['salary'].groupby().mean('dept')", "df.pivot('salary')"],
        'b',
        'groupby splits the rows by department, then mean() aggregates the salary column within each group.',
      ],
      [
        'Which method gives count, mean, standard deviation, min, quartiles and max of the numeric columns?',
        ['df.info()', 'df.describe()', 'df.summary()', 'df.stats()'],
        'b',
        'describe() computes those summary statistics; info() lists columns, types and non-null counts.',
      ],
      [
        'Which call removes duplicate rows?',
        ['df.unique()', 'df.drop_duplicates()', 'df.dropna()', 'df.distinct()'],
        'b',
        'drop_duplicates() keeps the first occurrence of each duplicated row by default.',
      ],
    ],
  },
  {
    title: 'Project Management Fundamentals Course Quiz',
    description: 'Project planning, risk management, team coordination and timelines.',
    difficulty: 'beginner',
    time_limit: 6,
    link: { course: 'Project Management Fundamentals' },
    topic: 'project planning risk timeline team coordination',
    q: [
      [
        'What comes first when planning a project?',
        [
          'Booking the kick-off meeting room',
          'Defining the objectives and the scope: what is in and what is out',
          'Choosing a project management tool',
          'Writing the final report template',
        ],
        'b',
        'Everything else (schedule, budget, team) is planned against agreed objectives and scope.',
      ],
      [
        'Buying insurance against a risk is which risk response?',
        ['Avoid', 'Transfer', 'Accept', 'Exploit'],
        'b',
        'Insurance transfers the financial impact of the risk to a third party.',
      ],
      [
        'In a RACI matrix, what does the "A" stand for?',
        ['Assigned', 'Accountable', 'Approved', 'Available'],
        'b',
        'Responsible, Accountable, Consulted, Informed: exactly one person is Accountable for each task.',
      ],
      [
        'What does a Gantt chart show?',
        [
          'The project budget by month',
          'Tasks as bars against a timeline, with their durations and dependencies',
          'The reporting lines of the team',
          'Risks by likelihood and impact',
        ],
        'b',
        'A Gantt chart places each task on a calendar, which makes overlaps, dependencies and slack visible.',
      ],
      [
        'What is scope creep?',
        [
          'Finishing the project early',
          'Uncontrolled growth of the scope without adjusting time, cost or resources',
          'Reducing the scope to meet a deadline',
          'A formal change request',
        ],
        'b',
        'Small unmanaged additions pile up; a change-control process keeps scope changes deliberate.',
      ],
    ],
  },
];

export const SEED_ASSESSMENTS: SeedAssessment[] = RAW.map((r) => ({
  id: seedId('assessment', r.title),
  title: r.title,
  description: r.description,
  difficulty: r.difficulty,
  time_limit: r.time_limit,
  passing_score: 70,
  questions: questions(r.q),
  metadata: {
    ...(r.link.skill ? { skill_id: skillId(r.link.skill) } : {}),
    ...(r.link.course ? { course_id: courseId(r.link.course) } : {}),
    topic: r.topic,
    seed: true,
  },
}));

type Run = (sql: string, params: unknown[]) => Promise<unknown>;

export interface SeedAssessmentsResult {
  added: number;
  updated: number;
}

/**
 * Inserts the missing sample assessments and rewrites those whose seed definition changed. Rows an
 * admin created are never touched; results and attempts of a rewritten quiz are kept.
 */
export async function insertSeedAssessments(run: Run): Promise<SeedAssessmentsResult> {
  let added = 0;
  let updated = 0;
  for (const a of SEED_ASSESSMENTS) {
    const res = await run(
      `INSERT INTO assessments (id, title, description, questions, difficulty, time_limit, passing_score, metadata)
       VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $8::jsonb)
       ON CONFLICT (id) DO UPDATE SET title = EXCLUDED.title, description = EXCLUDED.description, questions = EXCLUDED.questions,
         difficulty = EXCLUDED.difficulty, time_limit = EXCLUDED.time_limit, passing_score = EXCLUDED.passing_score, metadata = EXCLUDED.metadata
       WHERE (assessments.title, assessments.description, assessments.questions, assessments.difficulty, assessments.time_limit, assessments.passing_score, assessments.metadata)
         IS DISTINCT FROM (EXCLUDED.title, EXCLUDED.description, EXCLUDED.questions, EXCLUDED.difficulty, EXCLUDED.time_limit, EXCLUDED.passing_score, EXCLUDED.metadata)
       RETURNING (xmax = 0) AS inserted`,
      [a.id, a.title, a.description, JSON.stringify(a.questions), a.difficulty, a.time_limit, a.passing_score, JSON.stringify(a.metadata)],
    );
    const rows = Array.isArray(res) && Array.isArray(res[0]) ? res[0] : (res as Array<{ inserted: boolean }>);
    for (const r of rows as Array<{ inserted: boolean }>) {
      if (r.inserted) added++;
      else updated++;
    }
  }
  return { added, updated };
}

export async function deleteSeedAssessments(run: Run): Promise<void> {
  await run(`DELETE FROM assessments WHERE id = ANY($1)`, [SEED_ASSESSMENTS.map((a) => a.id)]);
}
