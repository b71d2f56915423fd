"""The conversation core: every form, case action and typed word, declared once as data.

Slack (bot/slack/), Teams (bot/teams/) and the local console (bot/console/) render these
declarations and translate what people do back into them; none of them declares a field, a
button or a word of its own. A new field is one change, in `forms.py`.

Contract for renderers
----------------------

Forms (`bot.core.forms`):

- `FORMS[name]` is a `Form`: `title`/`submit` (catalog keys), `intro` (catalog key or None),
  and `items`, in order: `Field`s and `Repeat` groups (the aktivitetsplan's tiltak rows).
- Open a form with `forms.open_form(services, name, actor, ref=…, prefill=…)`. It does the
  access check first (a refusal is on the trail and raised as `Refused`; a form that needs a
  plan raises `FieldErrors` with key "plan") and returns an `Opened`: the initial `values`,
  the `choices` filled in for fields with `choices_from` (keyed by that name; read them
  with `choices_of(field)`), and `shown()`: the flat list of
  `Field`s and `Heading`s to render, repeat groups expanded (`tiltak.1.what`, …). Fields
  whose dynamic choices came out empty (or below `min_choices`) are left out. The report
  form needs no access check; `forms.report_opened(org, …)` builds it from memory only.
- `Field.kind` is one of `Kind`: TEXT (one line), MULTILINE, DATE (a one-line text the
  handler reads as a date, e.g. "om to uker"; show `hint`), CHOICE (one of `choices`),
  CHOICES (several), PERSON (a staff member; the value is their e-mail), TOGGLE (yes/no:
  its one `choices` entry is the text beside the box).
  `label`, `hint`, `placeholder` and each `Choice.label` are catalog keys (`t(lang, key)`),
  except a `Choice` with `literal=True` (a pupil's name, a tiltak's own words: show as is).
  `max_length` is the handler's limit; `required` is what the handler requires (a renderer
  may mark it, the handler checks it anyway). `shown_if=(field, value)`: show only when that
  choice is picked; `hidden_if=(field, value)`: not when it is (an evaluation that closes the
  case asks nothing about what comes next). `Opened.visible(field, values)` decides both;
  `Opened.needed(field, values)` says whether the handler will want it filled in (a tiltak
  row begun: `required_with`). `dispatch`: picking a choice may change which fields are
  shown, so an edge draws the form again (Slack: views.update; Teams: «Sjekk svarene»; the
  console asks in order and skips what is not visible). `Opened.memo()` / `forms.reopened`
  keep what a form opened with, so it is drawn again without reading the case again.
- Checked as typed (`bot.core.checks`): a field may declare `understand`, a function of the
  typed value that returns a `Hint` (ok: "Forstått: mandag 7. desember, i friminuttet";
  not ok: the problem and what would work). `flow.check_field(services, opened, name,
  values, actor, lang)` checks one field (missing, too long, understood) as soon as it is
  typed; `flow.hints(...)` gives every shown field's hint. The console says it under the
  field at once and asks a wrong one again; Slack shows it as a context block under the field
  after the field's `dispatch_action`; Teams under the field after «Sjekk svarene».
- Submitted values go back as a plain dict {field name: value}: str for text/date/choice,
  list[str] for CHOICES, the e-mail for PERSON, bool for TOGGLE (`forms.as_bool` reads
  "yes"/"true"/"on"). Call `forms.submit(services, name, Submission(actor, values, ref,
  key))`; it returns a `Result` (`lines(lang, now)` to tell the person, `outcome` to refresh
  the case's messages with `actions.case_message`, `file` for an export) or raises
  `FieldErrors` / `Refused`. `Form.place(errors, shown_names)` puts each handler error beside
  its field (`{field: text}`) and returns those with no field shown as general problems.

Case actions (`bot.core.actions`):

- `ACTIONS[verb]` is a `CaseAction`: `label` (catalog key), `style` ("primary", "danger" or
  None), `place` ("message": the leader's message/card and App Home; "case": under the case
  details, seen only after opening), `form` (the form it opens, after that form's access
  check) or `run` (an in-place handler call: `run(services, ref, actor)` → Outcome), or
  neither and a `view` ("case": the details; "plan": the aktivitetsplan). `rule`: its row in
  `handlers.states.RULES` (who may, in which status; default the verb).
  `confirm`: a catalog key to ask before doing it, or None.
- `actions.case_message(kind, lang, data, status=…, last=…)` is the neutral model of a
  notice message: its `lines`, the `state` line ("Status: mottatt · Bekreft mottatt av X"),
  and `rows`: per case, the actions still offered (none once closed). Reminders and digests
  get a row per case, at most `MAX_ROWS`, and `more` says how many were left out.
- `actions.case_buttons(offered)` is the row under the case details: the actions of the
  state machine's table (`handlers.states`) this reader may take, `CaseDetails.offered`.

Flow (`bot.core.flow`) and views (`bot.core.views`): `open_form`, `submit`, `click`,
`open_case`, `show_plan` return `Shown` / `Done` / `Details` / `PlanShown` / `Notice`; an
edge draws these and never decides what comes next.

Words (`bot.core.words`): `words.intent(text)` → ("help" | "mine" | "cases" | "report" |
None, the rest of the text). The word sets are per language in `WORDS`.
"""
