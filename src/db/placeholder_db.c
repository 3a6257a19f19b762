/* placeholder until the layer has code */
typedef int tb_db_placeholder;
