// Message contents and card JSON 2.0, as plain functions returning the platform's own JSON
// shapes (the JSON is the type: see message.d.ts). No wasm: usable in Workers, browsers and
// extensions as they are.
//
//   import { text, at, toRequest, card, markdown, button, callback } from 'lark-sdk/message';
//   await client.im.v1.message.create({
//     params: { receive_id_type: 'chat_id' },
//     data: { receive_id: chatId, ...toRequest('text', text(at('ou_1', 'Ann'), ' please look')) },
//   });
//
// Builders take what an element cannot do without as arguments and everything else as an
// options object copied into the element, so any field the docs list (today's or a new one)
// can be set. Where the docs want a text object, a string is taken as plain text.

function buildError(message) {
  const error = new Error(message);
  error.name = 'LarkError';
  error.kind = 'build';
  return error;
}

function need(value, what) {
  if (typeof value !== 'string' || value === '') throw buildError(`${what} must be a non-empty string`);
  return value;
}

// ------------------------------------------------------------------------------- text

const ALL = 'all';

/** A text-message part: an @mention of one user (open id, or the id type the message is sent with). */
export function at(userId, name = '') {
  need(userId, 'the @mention user id');
  if (userId.includes('"') || userId.includes('<') || userId.includes('>')) throw buildError(`${JSON.stringify(userId)} is not a user id`);
  if (/[<>]/.test(String(name))) throw buildError(`the @mention name ${JSON.stringify(name)} must not contain < or >`);
  return { at: userId, name: String(name) };
}

/** A text-message part: an @mention of everyone in the group. */
export function atAll() {
  return { at: ALL, name: '所有人' };
}

function styled(tag) {
  return (value) => {
    const s = String(value);
    if (s.includes(`</${tag}>`)) throw buildError(`styled text ${JSON.stringify(s)} must not contain </${tag}>`);
    return { style: tag, text: s };
  };
}

/** Text-message parts: `<b>`, `<i>`, `<u>`, `<s>` (the API renders them; custom bots do not). */
export const bold = styled('b');
export const italic = styled('i');
export const underline = styled('u');
export const strikethrough = styled('s');

/** A text-message part: a link, `[text](url)`. */
export function link(label, url) {
  need(url, 'a link in a text needs a URL and it');
  const s = String(label);
  if (/[[\]]/.test(s) || /[() ]/.test(url)) {
    throw buildError(`the link [${s}](${url}) would break: no brackets in the text, no parentheses or spaces in the URL`);
  }
  return { link: url, text: s };
}

function renderPart(part) {
  if (typeof part === 'string') return part;
  if (part !== null && typeof part === 'object') {
    if (typeof part.at === 'string') return `<at user_id="${part.at}">${part.name ?? ''}</at>`;
    if (typeof part.style === 'string') return `<${part.style}>${part.text}</${part.style}>`;
    if (typeof part.link === 'string') return `[${part.text}](${part.link})`;
  }
  throw buildError('a text part is a string or what at(), atAll(), bold(), italic(), underline(), strikethrough() or link() return');
}

/**
 * A `text` message: `{ text }`, from strings and parts (`at`, `atAll`, `bold`, ..., `link`), in
 * order. Markup in the strings is kept as written (`\n` is a line break).
 */
export function text(...parts) {
  const rendered = parts.map(renderPart).join('');
  if (rendered === '') throw buildError('a text message needs some text');
  return { text: rendered };
}

// ------------------------------------------------------------------------------- post

function element(tag, fields, options) {
  return { tag, ...fields, ...(options ?? {}) };
}

/**
 * A `post` (rich text) message: `{ [locale]: { title, content: [[element, ...], ...] } }`.
 * `locales` is `{ zh_cn: postBody(title, lines), en_us: ... }`; elements come from `post.text`,
 * `post.a`, `post.at`, `post.img`, `post.media`, `post.emotion`, `post.hr`, `post.codeBlock`
 * and `post.md`. `img`, `media`, `hr`, `code_block` and `md` each make a paragraph of their own.
 */
export function post(locales) {
  if (locales === null || typeof locales !== 'object' || Object.keys(locales).length === 0) {
    throw buildError('a post needs at least one locale: { zh_cn: postBody(title, lines) }');
  }
  for (const [locale, body] of Object.entries(locales)) {
    if (!Array.isArray(body?.content)) throw buildError(`the ${locale} body of a post needs content: [[element, ...], ...]`);
    for (const line of body.content) {
      if (!Array.isArray(line)) throw buildError(`each paragraph of the ${locale} post is an array of elements`);
      const alone = line.find((e) => ['img', 'media', 'hr', 'code_block', 'md'].includes(e?.tag));
      if (alone !== undefined && line.length > 1) throw buildError(`a "${alone.tag}" element must be alone in its paragraph`);
    }
  }
  return locales;
}

/** One locale of a post: `{ title, content }`. */
export function postBody(title, lines = []) {
  return { title: String(title), content: lines };
}

/** `{ tag: 'text', text }`; options: `style` (`['bold', 'underline', 'lineThrough', 'italic']`), `un_escape`. */
post.text = (value, options) => element('text', { text: String(value) }, options);
/** `{ tag: 'a', text, href }`. */
post.a = (value, href, options) => element('a', { text: String(value), href: need(href, 'a post link href') }, options);
/** `{ tag: 'at', user_id }` (`all` for everyone); options: `user_name`, `style`. */
post.at = (userId, options) => element('at', { user_id: need(userId, 'the @mention user id') }, options);
/** `{ tag: 'img', image_key }`. */
post.img = (imageKey, options) => element('img', { image_key: need(imageKey, 'an image key') }, options);
/** `{ tag: 'media', file_key, image_key? }` (a video and its cover). */
post.media = (fileKey, imageKey, options) =>
  element('media', { file_key: need(fileKey, 'a media file key'), ...(imageKey === undefined ? {} : { image_key: imageKey }) }, options);
/** `{ tag: 'emotion', emoji_type }`. */
post.emotion = (emojiType) => element('emotion', { emoji_type: need(emojiType, 'an emoji type') });
/** `{ tag: 'hr' }`. */
post.hr = () => element('hr', {});
/** `{ tag: 'code_block', language, text }`. */
post.codeBlock = (language, code) => element('code_block', { language: String(language), text: String(code) });
/** `{ tag: 'md', text }`: Markdown, in a paragraph of its own. */
post.md = (markdownText) => element('md', { text: String(markdownText) });

// ------------------------------------------------------------------------------- other contents

/** An `image` message: `{ image_key }`. */
export const image = (imageKey) => ({ image_key: need(imageKey, 'an image key') });
/** A `file` message: `{ file_key }`. */
export const file = (fileKey) => ({ file_key: need(fileKey, 'a file key') });
/** An `audio` message: `{ file_key }`. */
export const audio = (fileKey) => ({ file_key: need(fileKey, 'an audio file key') });
/** A `media` (video) message: `{ file_key, image_key? }` (the cover). */
export const media = (fileKey, imageKey) => ({ file_key: need(fileKey, 'a media file key'), ...(imageKey === undefined ? {} : { image_key: imageKey }) });
/** A `sticker` message: `{ file_key }`. */
export const sticker = (fileKey) => ({ file_key: need(fileKey, 'a sticker file key') });
/** A `share_chat` message (a group card): `{ chat_id }`. */
export const shareChat = (chatId) => ({ chat_id: need(chatId, 'a chat id') });
/** A `share_user` message (a user card): `{ user_id }` (an open id). */
export const shareUser = (userId) => ({ user_id: need(userId, 'a user id') });
/** A `system` divider message: options `i18n` (`{ zh_CN, en_US }`) and `needRollup`. */
export function systemDivider(dividerText, { i18n, needRollup } = {}) {
  const divider = { text: String(dividerText), ...(i18n === undefined ? {} : { i18n_text: i18n }) };
  return { type: 'divider', params: { divider_text: divider }, ...(needRollup === undefined ? {} : { options: { need_rollup: needRollup } }) };
}

/**
 * An `interactive` message: a card (what `card()` returns, or any card JSON), a card entity
 * (`{ cardId }`) or a template (`{ templateId, version?, variables? }`).
 */
export function interactive(source) {
  if (source?.cardId !== undefined) return { type: 'card', data: { card_id: need(source.cardId, 'a card id') } };
  if (source?.templateId !== undefined) {
    const data = { template_id: need(source.templateId, 'a template id') };
    if (source.version !== undefined) data.template_version_name = source.version;
    if (source.variables !== undefined) data.template_variable = source.variables;
    return { type: 'template', data };
  }
  if (source === null || typeof source !== 'object') throw buildError('interactive() takes a card, { cardId } or { templateId }');
  return source;
}

/**
 * The `msg_type` and `content` fields of a send or reply request (`im.v1.message.create`,
 * `reply`, `update`): `content` is the content as a JSON string, as the API wants it.
 */
export function toRequest(msgType, content) {
  need(msgType, 'msg_type');
  if (content === null || typeof content !== 'object') throw buildError('the content must be an object');
  return { msg_type: msgType, content: JSON.stringify(content) };
}

// ------------------------------------------------------------------------------- cards (JSON 2.0)

const TEXT_FIELDS = ['text', 'title', 'subtitle', 'placeholder', 'label', 'alt', 'hover_tips', 'disabled_tips'];

// Strings where the docs want a text object become plain text.
function textFields(options) {
  const out = { ...(options ?? {}) };
  for (const name of TEXT_FIELDS) if (typeof out[name] === 'string') out[name] = plainText(out[name]);
  if (out.confirm !== undefined && typeof out.confirm === 'object') out.confirm = textFields(out.confirm);
  return out;
}

function component(tag, fields, options) {
  return { tag, ...fields, ...textFields(options) };
}

/** A plain-text object `{ tag: 'plain_text', content }`; options: `text_size`, `text_color`, `text_align`, `lines`, `i18n_content`. */
export function plainText(content, options) {
  return { tag: 'plain_text', content: String(content), ...(options ?? {}) };
}

/** A Markdown text object `{ tag: 'lark_md', content }` (in `div` fields and older places). */
export function larkMd(content) {
  return { tag: 'lark_md', content: String(content) };
}

/** An icon `{ tag: 'standard_icon', token }`; options: `color`, `img_key`, `size`. */
export function standardIcon(token, options) {
  return { tag: 'standard_icon', token: String(token), ...(options ?? {}) };
}

/**
 * A card, JSON 2.0: `{ schema: '2.0', config?, card_link?, header?, body }`. `elements` is a
 * shorthand for `body.elements`; the other options (`config`, `card_link`, `header`, `body`)
 * are the card's own fields.
 */
export function card({ elements, body, ...rest } = {}) {
  const out = { schema: '2.0', ...rest };
  if (elements !== undefined || body !== undefined) out.body = { ...(body ?? {}), ...(elements === undefined ? {} : { elements }) };
  return out;
}

/** A card header: `{ title, subtitle?, template?, icon?, text_tag_list?, padding? }`. */
export function header(title, options) {
  return { title: typeof title === 'string' ? plainText(title) : title, ...textFields(options) };
}

/** A header tag `{ tag: 'text_tag', text, color? }`. */
export function textTag(value, options) {
  return component('text_tag', { text: typeof value === 'string' ? plainText(value) : value }, options);
}

/** A confirmation dialog `{ title, text }` for buttons, inputs, pickers. */
export function confirm(title, body) {
  return { title: plainText(title), text: plainText(body) };
}

/** `{ tag: 'markdown', content }`; options: `text_size`, `text_align`, `icon`, `margin`, `element_id`. */
export const markdown = (content, options) => component('markdown', { content: String(content) }, options);

/** A plain-text block `{ tag: 'div', text }` (a string is plain text); options: `fields`, `icon`, `width`, `margin`. */
export const div = (value, options) => component('div', { text: typeof value === 'string' ? plainText(value) : value }, options);

/** `{ tag: 'img', img_key }`; options: `alt`, `title`, `scale_type`, `size`, `mode`, `preview`, `corner_radius`. */
export const img = (imgKey, options) => component('img', { img_key: need(imgKey, 'an img_key') }, options);

/** A divider `{ tag: 'hr' }`. */
export const divider = (options) => component('hr', {}, options);

/** `{ tag: 'button', text }`; options: `type`, `size`, `width`, `icon`, `behaviors`, `confirm`, `form_action_type`, `name`. */
export const button = (value, options) => component('button', { text: typeof value === 'string' ? plainText(value) : value }, options);

/** A behaviour that opens a URL; options: `android_url`, `ios_url`, `pc_url`. */
export const openUrl = (url, options) => ({ type: 'open_url', default_url: String(url), ...(options ?? {}) });
/** A behaviour that sends `value` to the app (a `card.action.trigger` callback). */
export const callback = (value) => ({ type: 'callback', value });

/** `{ tag: 'column_set', columns }`; options: `flex_mode`, `horizontal_spacing`, `background_style`, `action`. */
export const columnSet = (columns, options) => component('column_set', { columns }, options);
/** `{ tag: 'column', elements }`; options: `width`, `weight`, `vertical_align`, `padding`. */
export const column = (elements, options) => component('column', { elements }, options);

/** `{ tag: 'interactive_container', elements }`; options: `behaviors`, `background_style`, `has_border`, `padding`. */
export const interactiveContainer = (elements, options) => component('interactive_container', { elements }, options);

/** `{ tag: 'form', name, elements }`: submitted by a button with `form_action_type: 'submit'`. */
export const form = (name, elements, options) => component('form', { name: need(name, 'a form name'), elements }, options);

/** `{ tag: 'input', name }`; options: `placeholder`, `label`, `required`, `input_type`, `max_length`, `default_value`. */
export const input = (name, options) => component('input', { name: need(name, 'an input name') }, options);

/** A select option `{ text, value }`; options: `icon`. */
export const option = (value, label, options) => ({ text: typeof label === 'string' ? plainText(label) : label, value: String(value), ...(options ?? {}) });

/** `{ tag: 'select_static', options }`; options: `name`, `placeholder`, `initial_option`, `required`, `behaviors`. */
export const selectStatic = (options, more) => component('select_static', { options }, more);
/** `{ tag: 'multi_select_static', options }`; options: `name`, `selected_values`, `placeholder`. */
export const multiSelectStatic = (options, more) => component('multi_select_static', { options }, more);
/** `{ tag: 'select_person', options? }` (`options`: `[{ value: open_id }]`, or every member when omitted). */
export const selectPerson = (more) => component('select_person', {}, more);
/** `{ tag: 'multi_select_person' }`; options: `options`, `selected_values`, `name`. */
export const multiSelectPerson = (more) => component('multi_select_person', {}, more);

/** `{ tag: 'date_picker' }`; options: `name`, `initial_date` (`YYYY-MM-DD`), `placeholder`, `behaviors`. */
export const datePicker = (options) => component('date_picker', {}, options);
/** `{ tag: 'picker_time' }`; options: `name`, `initial_time` (`HH:mm`). */
export const timePicker = (options) => component('picker_time', {}, options);
/** `{ tag: 'picker_datetime' }`; options: `name`, `initial_datetime` (`YYYY-MM-DD HH:mm`). */
export const datetimePicker = (options) => component('picker_datetime', {}, options);

/** `{ tag: 'checker', text }`; options: `name`, `checked`, `checked_style`, `button_area`, `behaviors`. */
export const checker = (value, options) => component('checker', { text: typeof value === 'string' ? plainText(value) : value }, options);

/** `{ tag: 'collapsible_panel', header: { title }, elements }`; `title` a string is Markdown; options: `expanded`, `border`, `background_color`, `header` (merged). */
export function collapsiblePanel(title, elements, { header: headerOptions, ...options } = {}) {
  const panelHeader = { title: typeof title === 'string' ? { tag: 'markdown', content: title } : title, ...(headerOptions ?? {}) };
  return component('collapsible_panel', { header: panelHeader, elements }, options);
}

/** `{ tag: 'table', columns, rows }`; columns `{ name, display_name, data_type, ... }`; options: `page_size`, `row_height`, `header_style`. */
export const table = (columns, rows, options) => component('table', { columns, rows }, options);
/** A table column `{ name, display_name, data_type }`; options: `width`, `format`, `date_format`, `horizontal_align`. */
export const tableColumn = (name, displayName, dataType, options) => ({ name: need(name, 'a column name'), display_name: String(displayName), data_type: String(dataType), ...(options ?? {}) });

/** `{ tag: 'chart', chart_spec }` (a VChart spec); options: `aspect_ratio`, `color_theme`, `preview`, `height`. */
export const chart = (chartSpec, options) => component('chart', { chart_spec: chartSpec }, options);
