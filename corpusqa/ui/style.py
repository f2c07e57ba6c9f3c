"""CSS and the one small script of the web chat (static strings)."""

# Delegated click handler on the transcript: the 👍/👎 buttons are plain HTML
# rendered by ``render.render_feedback``; a click becomes a Gradio "feedback" event.
# (A listener on ``element`` survives re-renders: Gradio patches its children.)
FEEDBACK_JS = """
element.addEventListener('click', (ev) => {
  const b = ev.target.closest('button[data-vote]');
  if (!b || !element.contains(b)) return;
  // Mark the choice at once; the server stores it without re-rendering the
  // transcript, so expanded citations stay open.
  const group = b.closest('.cqa-feedback');
  group.querySelectorAll('button[data-vote]').forEach(
    (x) => x.setAttribute('aria-pressed', x === b ? 'true' : 'false'));
  const thanks = group.querySelector('.cqa-thanks');
  if (thanks) thanks.hidden = false;
  trigger('feedback', {turn: Number(b.dataset.turn), vote: b.dataset.vote});
});
"""

CSS = """
.cqa-transcript { display: flex; flex-direction: column; gap: 14px; }
.cqa-empty { color: var(--body-text-color-subdued); padding: 12px 0; }
.cqa-turn { border: 1px solid var(--border-color-primary); border-radius: 10px; padding: 12px 14px; }
.cqa-question { font-weight: 600; margin-bottom: 6px; }
.cqa-q-label { display: inline-block; background: var(--color-accent-soft); border-radius: 4px;
  padding: 0 6px; margin-right: 4px; font-size: 0.85em; }
.cqa-rewritten { color: var(--body-text-color-subdued); font-size: 0.9em; margin-bottom: 6px; }
.cqa-answer { font-size: 1.05em; line-height: 1.7; }
.cqa-answer-line { margin: 0 0 4px 0; }
mark.cqa-highlight { background: #ffe066; color: #111; font-weight: 700; padding: 0 2px; border-radius: 3px; }
mark.cqa-cited { background: #fff6cc; color: inherit; padding: 0; }
.cqa-marker a { text-decoration: none; font-size: 0.8em; margin-left: 2px; }
.cqa-sources { margin-top: 10px; border-top: 1px dashed var(--border-color-primary); padding-top: 8px; }
.cqa-sources-title, .cqa-related-title { font-weight: 600; font-size: 0.9em; margin-bottom: 4px; }
.cqa-citation { margin-bottom: 10px; }
.cqa-citation-head { font-size: 0.9em; }
.cqa-citation-head .cqa-meta { color: var(--body-text-color-subdued); }
.cqa-passage { font-size: 0.92em; line-height: 1.6; margin: 4px 0 2px 0; padding-left: 10px;
  border-left: 3px solid var(--border-color-primary); }
.cqa-context summary { cursor: pointer; font-size: 0.85em; color: var(--link-text-color); }
.cqa-context p { font-size: 0.9em; line-height: 1.6; margin: 4px 0; }
.cqa-more { color: var(--body-text-color-subdued); }
.cqa-abstain { font-weight: 600; }
.cqa-refusal { color: var(--body-text-color-subdued, #666); margin-top: 0.25em; }
.cqa-related ul { margin: 4px 0 0 18px; font-size: 0.9em; }
.cqa-error { color: var(--error-text-color, #b91c1c); }
.cqa-pending { color: var(--body-text-color-subdued); font-style: italic; }
.cqa-info { color: var(--body-text-color-subdued); font-size: 0.8em; margin-top: 6px; }
.cqa-feedback { margin-top: 6px; display: flex; align-items: center; gap: 6px; }
.cqa-vote { border: 1px solid var(--border-color-primary); border-radius: 6px; background: transparent;
  padding: 1px 8px; cursor: pointer; font-size: 1em; }
.cqa-vote[aria-pressed="true"] { background: var(--color-accent-soft); border-color: var(--color-accent); }
.cqa-thanks { font-size: 0.8em; color: var(--body-text-color-subdued); }
.cqa-facts { display: flex; flex-wrap: wrap; gap: 10px; margin-bottom: 12px; }
.cqa-fact { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 8px 12px; min-width: 110px; }
.cqa-fact-value { font-size: 1.3em; font-weight: 700; }
.cqa-fact-label { font-size: 0.8em; color: var(--body-text-color-subdued); }
.cqa-upload-error td { color: var(--error-text-color, #b91c1c); }
.cqa-upload-message { font-size: 0.85em; }
.cqa-remove-title { margin: 18px 0 4px 0; }
.cqa-remove-preview { border: 1px solid var(--error-border-color, #fca5a5); border-radius: 8px; padding: 8px 12px; }
.cqa-remove-preview ul { margin: 4px 0 4px 18px; }
.cqa-remove-warning { font-weight: 600; }
.cqa-remove-error { color: var(--error-text-color, #b91c1c); }
"""
