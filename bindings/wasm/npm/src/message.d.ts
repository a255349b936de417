// Message contents and card JSON 2.0: the platform's JSON shapes, and builders returning them.
// Every element type names the fields the docs list and stays open (`[field: string]: unknown`)
// for the ones they add later.

// ------------------------------------------------------------------------------- contents

export interface TextContent {
  text: string;
}
export type MentionPart = { at: string; name: string };
export type StylePart = { style: 'b' | 'i' | 'u' | 's'; text: string };
export type LinkPart = { link: string; text: string };
export type TextPart = string | MentionPart | StylePart | LinkPart;

export type PostTextStyle = 'bold' | 'underline' | 'lineThrough' | 'italic';
export type PostElement =
  | { tag: 'text'; text: string; style?: PostTextStyle[]; un_escape?: boolean }
  | { tag: 'a'; text: string; href: string; style?: PostTextStyle[] }
  | { tag: 'at'; user_id: string; user_name?: string; style?: PostTextStyle[] }
  | { tag: 'img'; image_key: string }
  | { tag: 'media'; file_key: string; image_key?: string }
  | { tag: 'emotion'; emoji_type: string }
  | { tag: 'hr' }
  | { tag: 'code_block'; language?: string; text: string }
  | { tag: 'md'; text: string };
export interface PostBody {
  title?: string;
  content: PostElement[][];
}
/** `{ zh_cn: { title, content }, en_us: ... }`. */
export type PostContent = Record<string, PostBody>;

export interface ImageContent {
  image_key: string;
}
export interface FileContent {
  file_key: string;
}
export interface MediaContent {
  file_key: string;
  image_key?: string;
}
export interface ShareChatContent {
  chat_id: string;
}
export interface ShareUserContent {
  user_id: string;
}
export interface SystemContent {
  type: 'divider';
  params: { divider_text: { text: string; i18n_text?: Record<string, string> } };
  options?: { need_rollup?: boolean };
}
export type InteractiveContent =
  | Card
  | { type: 'card'; data: { card_id: string } }
  | { type: 'template'; data: { template_id: string; template_version_name?: string; template_variable?: Record<string, unknown> } };

/** Which content goes with which `msg_type`. */
export interface ContentByType {
  text: TextContent;
  post: PostContent;
  image: ImageContent;
  file: FileContent;
  audio: FileContent;
  media: MediaContent;
  sticker: FileContent;
  share_chat: ShareChatContent;
  share_user: ShareUserContent;
  system: SystemContent;
  interactive: InteractiveContent;
}
export type MsgType = keyof ContentByType;

/** A `text` message from strings and parts, in order. Throws a LarkError of kind `build` when empty. */
export declare function text(...parts: TextPart[]): TextContent;
export declare function at(userId: string, name?: string): MentionPart;
export declare function atAll(): MentionPart;
export declare function bold(text: string): StylePart;
export declare function italic(text: string): StylePart;
export declare function underline(text: string): StylePart;
export declare function strikethrough(text: string): StylePart;
export declare function link(text: string, url: string): LinkPart;

/** A rich-text message: one body per locale. */
export declare function post(locales: PostContent): PostContent;
export declare namespace post {
  function text(text: string, options?: { style?: PostTextStyle[]; un_escape?: boolean }): PostElement;
  function a(text: string, href: string, options?: { style?: PostTextStyle[] }): PostElement;
  function at(userId: string, options?: { user_name?: string; style?: PostTextStyle[] }): PostElement;
  function img(imageKey: string): PostElement;
  function media(fileKey: string, imageKey?: string): PostElement;
  function emotion(emojiType: string): PostElement;
  function hr(): PostElement;
  function codeBlock(language: string, code: string): PostElement;
  function md(text: string): PostElement;
}
export declare function postBody(title: string, lines?: PostElement[][]): PostBody;

export declare function image(imageKey: string): ImageContent;
export declare function file(fileKey: string): FileContent;
export declare function audio(fileKey: string): FileContent;
export declare function media(fileKey: string, imageKey?: string): MediaContent;
export declare function sticker(fileKey: string): FileContent;
export declare function shareChat(chatId: string): ShareChatContent;
export declare function shareUser(userId: string): ShareUserContent;
export declare function systemDivider(text: string, options?: { i18n?: Record<string, string>; needRollup?: boolean }): SystemContent;
export declare function interactive(
  source: Card | { cardId: string } | { templateId: string; version?: string; variables?: Record<string, unknown> },
): InteractiveContent;

/** `{ msg_type, content }` for a send, reply or update request: `content` as the JSON string the API wants. */
export declare function toRequest<T extends MsgType>(msgType: T, content: ContentByType[T]): { msg_type: T; content: string };

// ------------------------------------------------------------------------------- cards (JSON 2.0)

type Open = { [field: string]: unknown };
/** A text object; builders take a string for plain text. */
export interface PlainText extends Open {
  tag: 'plain_text' | 'lark_md' | 'markdown';
  content: string;
  text_size?: string;
  text_color?: string;
  text_align?: 'left' | 'center' | 'right' | (string & {});
  lines?: number;
  i18n_content?: Record<string, string>;
}
export type TextInput = string | PlainText;
export interface Icon extends Open {
  tag: 'standard_icon' | 'custom_icon';
  token?: string;
  color?: string;
  img_key?: string;
  size?: string;
}
export interface Confirm {
  title: TextInput;
  text: TextInput;
}
export type Behavior =
  | { type: 'open_url'; default_url: string; android_url?: string; ios_url?: string; pc_url?: string }
  | { type: 'callback'; value: unknown }
  | ({ type: string } & Open);

/** Fields every component may carry. */
export interface Common extends Open {
  element_id?: string;
  margin?: string;
}
/** Fields of interactive components. */
export interface Interactive extends Common {
  name?: string;
  required?: boolean;
  disabled?: boolean;
  disabled_tips?: TextInput;
  hover_tips?: TextInput;
  behaviors?: Behavior[];
  confirm?: Confirm;
  width?: string;
  value?: unknown;
}
export interface Element extends Open {
  tag: string;
}

export interface CardHeader extends Open {
  title: PlainText;
  subtitle?: PlainText;
  template?: 'blue' | 'wathet' | 'turquoise' | 'green' | 'yellow' | 'orange' | 'red' | 'carmine' | 'violet' | 'purple' | 'indigo' | 'grey' | 'default' | (string & {});
  icon?: Icon;
  text_tag_list?: Element[];
  i18n_text_tag_list?: Record<string, Element[]>;
  padding?: string;
}
export interface CardConfig extends Open {
  streaming_mode?: boolean;
  update_multi?: boolean;
  enable_forward?: boolean;
  width_mode?: 'default' | 'compact' | 'fill' | (string & {});
  locales?: string[];
  summary?: { content?: string; i18n_content?: Record<string, string> };
  style?: { text_size?: Record<string, unknown>; color?: Record<string, unknown> };
}
export interface CardBody extends Open {
  direction?: 'vertical' | 'horizontal';
  padding?: string;
  elements?: Element[];
}
export interface Card extends Open {
  schema: '2.0';
  config?: CardConfig;
  card_link?: { url?: string; android_url?: string; ios_url?: string; pc_url?: string };
  header?: CardHeader;
  body?: CardBody;
}

export declare function card(parts?: {
  config?: CardConfig;
  card_link?: Card['card_link'];
  header?: CardHeader;
  body?: CardBody;
  /** Shorthand for `body.elements`. */
  elements?: Element[];
  [field: string]: unknown;
}): Card;
export declare function plainText(content: string, options?: Omit<Partial<PlainText>, 'tag' | 'content'>): PlainText;
export declare function larkMd(content: string): PlainText;
export declare function standardIcon(token: string, options?: { color?: string; img_key?: string; size?: string }): Icon;
export declare function header(title: TextInput, options?: Omit<Partial<CardHeader>, 'title' | 'subtitle'> & { subtitle?: TextInput }): CardHeader;
export declare function textTag(text: TextInput, options?: Common & { color?: string }): Element;
export declare function confirm(title: string, text: string): { title: PlainText; text: PlainText };

export declare function markdown(content: string, options?: Common & { text_size?: string; text_align?: string; icon?: Icon }): Element;
export declare function div(text: TextInput, options?: Common & { fields?: Array<{ is_short?: boolean; text: PlainText }>; icon?: Icon; width?: string }): Element;
export declare function img(imgKey: string, options?: Common & { alt?: TextInput; title?: TextInput; scale_type?: string; size?: string; mode?: string; preview?: boolean; corner_radius?: string }): Element;
export declare function divider(options?: Common): Element;
export declare function button(
  text: TextInput,
  options?: Interactive & {
    type?: 'default' | 'primary_filled' | 'primary' | 'danger_filled' | 'danger' | 'primary_text' | 'danger_text' | 'text' | 'laser' | (string & {});
    size?: 'tiny' | 'small' | 'medium' | 'large' | (string & {});
    icon?: Icon;
    form_action_type?: 'submit' | 'reset';
  },
): Element;
export declare function openUrl(url: string, options?: { android_url?: string; ios_url?: string; pc_url?: string }): Behavior;
export declare function callback(value: unknown): Behavior;
export declare function columnSet(columns: Element[], options?: Common & { flex_mode?: string; horizontal_spacing?: string; background_style?: string; action?: unknown }): Element;
export declare function column(elements: Element[], options?: Common & { width?: string; weight?: number; vertical_align?: string; padding?: string }): Element;
export declare function interactiveContainer(elements: Element[], options?: Interactive & { background_style?: string; has_border?: boolean; padding?: string }): Element;
export declare function form(name: string, elements: Element[], options?: Common): Element;
export declare function input(
  name: string,
  options?: Interactive & { placeholder?: TextInput; label?: TextInput; default_value?: string; input_type?: 'text' | 'multiline_text' | 'password' | (string & {}); max_length?: number },
): Element;
export declare function option(value: string, text: TextInput, options?: { icon?: Icon }): { text: PlainText; value: string; icon?: Icon };
export declare function selectStatic(options: Array<{ text: PlainText; value: string }>, more?: Interactive & { placeholder?: TextInput; initial_option?: string; type?: string }): Element;
export declare function multiSelectStatic(options: Array<{ text: PlainText; value: string }>, more?: Interactive & { placeholder?: TextInput; selected_values?: string[]; type?: string }): Element;
export declare function selectPerson(more?: Interactive & { options?: Array<{ value: string }>; placeholder?: TextInput; initial_option?: string; type?: string }): Element;
export declare function multiSelectPerson(more?: Interactive & { options?: Array<{ value: string }>; placeholder?: TextInput; selected_values?: string[]; type?: string }): Element;
export declare function datePicker(options?: Interactive & { initial_date?: string; placeholder?: TextInput }): Element;
export declare function timePicker(options?: Interactive & { initial_time?: string; placeholder?: TextInput }): Element;
export declare function datetimePicker(options?: Interactive & { initial_datetime?: string; placeholder?: TextInput }): Element;
export declare function checker(text: TextInput, options?: Interactive & { checked?: boolean; overall_checkable?: boolean; button_area?: unknown; checked_style?: unknown }): Element;
export declare function collapsiblePanel(title: TextInput, elements: Element[], options?: Common & { expanded?: boolean; header?: Open; border?: Open; background_color?: string }): Element;
export declare function table(columns: Array<Open & { name: string; data_type?: string }>, rows: Array<Record<string, unknown>>, options?: Common & { page_size?: number; row_height?: string; header_style?: Open; freeze_first_column?: boolean }): Element;
export declare function tableColumn(name: string, displayName: string, dataType: 'text' | 'lark_md' | 'options' | 'number' | 'persons' | 'date' | 'markdown' | (string & {}), options?: Open): Open & { name: string };
export declare function chart(chartSpec: Record<string, unknown>, options?: Common & { aspect_ratio?: string; color_theme?: string; preview?: boolean; height?: string }): Element;
