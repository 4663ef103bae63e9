; File-level symbols: functions, global declarations, structs and macros.
(function_definition) @function
(declaration) @declaration
(struct_specifier name: (type_identifier) @struct.name body: (field_declaration_list)) @struct
(preproc_def name: (identifier) @macro.name) @macro
(preproc_function_def name: (identifier) @macro.name) @macro
